// The post's images as URLs (PostFlow stores URLs; the networks fetch them when publishing), one input each with
// its thumbnail, so a wrong link shows before the post is saved.
import { Box, Button, FormHelperText, IconButton, TextField, Typography } from '@mui/material';
import Add from '@mui/icons-material/Add';
import Delete from '@mui/icons-material/Delete';
import { useTranslate } from 'react-admin';
import type { MediaRow } from './composerState';
import { MediaThumbnail } from './MediaThumbnail';
import { useDebounced } from './useComposerChecks';

interface Props {
  media: MediaRow[];
  onChange: (media: MediaRow[]) => void;
  rowErrors: Record<number, string>;
  error?: string;
}

export function MediaUrlsField({ media, onChange, rowErrors, error }: Props) {
  const translate = useTranslate();
  const nextKey = Math.max(-1, ...media.map((row) => row.key)) + 1;
  const update = (key: number, url: string) => onChange(media.map((row) => (row.key === key ? { ...row, url } : row)));
  return (
    <Box component="fieldset" sx={{ border: 0, p: 0, m: 0, minWidth: 0 }}>
      <Typography component="legend" variant="subtitle1">
        {translate('postflow.compose.media')}
      </Typography>
      <Box sx={{ display: 'grid', gap: 1.5 }}>
        {media.map((row, index) => (
          <Box key={row.key} sx={{ display: 'flex', gap: 1, alignItems: 'flex-start' }}>
            <TextField
              label={translate('postflow.compose.mediaUrl', { number: index + 1 })}
              value={row.url}
              onChange={(event) => update(row.key, event.target.value)}
              type="url"
              fullWidth
              error={!!rowErrors[row.key]}
              helperText={rowErrors[row.key]}
              slotProps={{ htmlInput: { inputMode: 'url', autoComplete: 'off' } }}
            />
            <IconButton aria-label={translate('postflow.compose.removeMedia', { number: index + 1 })} onClick={() => onChange(media.filter((other) => other.key !== row.key))}>
              <Delete />
            </IconButton>
            <SettledThumbnail url={row.url.trim()} />
          </Box>
        ))}
      </Box>
      {error && <FormHelperText error>{error}</FormHelperText>}
      <Button startIcon={<Add />} onClick={() => onChange([...media, { key: nextKey, url: '' }])} sx={{ mt: 1 }}>
        {translate('postflow.compose.addMedia')}
      </Button>
    </Box>
  );
}

/** Loaded once the URL stops changing: a half-typed URL is no address to fetch. */
function SettledThumbnail({ url }: { url: string }) {
  const settled = useDebounced(url);
  return settled ? <MediaThumbnail key={settled} url={settled} size={56} /> : null;
}
