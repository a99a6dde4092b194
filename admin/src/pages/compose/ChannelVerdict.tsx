// One channel's verdict on its text, as validatePost answers it: the length as that network counts it (X weighs
// links, Bluesky counts graphemes...) against its limit, and each rule the text or media breaks.
import { Box, Chip, List, ListItem, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';
import type { ContentVerdict } from './useComposerChecks';

const number = new Intl.NumberFormat();

export function ChannelVerdict({ verdict }: { verdict: ContentVerdict | undefined }) {
  const translate = useTranslate();
  if (!verdict)
    return (
      <Typography variant="body2" color="text.secondary">
        {translate('postflow.compose.checking')}
      </Typography>
    );
  return (
    <Box role="status" aria-live="polite">
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap' }}>
        <Typography variant="body2" data-testid="counter">
          {translate('postflow.compose.counter', { counted: number.format(verdict.counted), limit: number.format(verdict.limit) })}
        </Typography>
        <Chip size="small" color={verdict.ok ? 'success' : 'error'} label={translate(verdict.ok ? 'postflow.compose.verdictOk' : 'postflow.compose.verdictRefused')} />
      </Box>
      {verdict.violations.length > 0 && (
        <List dense disablePadding>
          {verdict.violations.map((violation) => (
            <ListItem key={`${violation.field}:${violation.rule}:${violation.message}`} disableGutters sx={{ color: 'error.main', py: 0 }}>
              {violation.message}
            </ListItem>
          ))}
        </List>
      )}
    </Box>
  );
}
