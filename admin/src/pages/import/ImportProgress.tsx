// How far the sending has come: a progress bar (role=progressbar, aria-valuenow in percent) that moves per chunk,
// and the same in words for screen readers, announced as it changes.
import { Box, LinearProgress, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';
import type { ChunkProgress } from './sendImport';

export function ImportProgress({ progress }: { progress: ChunkProgress }) {
  const translate = useTranslate();
  const number = new Intl.NumberFormat();
  const percent = progress.total ? Math.round((progress.sent / progress.total) * 100) : 0;
  return (
    <Box sx={{ my: 2 }}>
      <LinearProgress variant="determinate" value={percent} aria-label={translate('postflow.import.progress')} sx={{ height: 10, borderRadius: 1 }} />
      <Typography role="status" aria-live="polite" sx={{ mt: 1 }}>
        {translate('postflow.import.progressText', {
          sent: number.format(progress.sent),
          total: number.format(progress.total),
          chunk: number.format(progress.chunk),
          chunks: number.format(progress.chunks),
        })}
      </Typography>
    </Box>
  );
}
