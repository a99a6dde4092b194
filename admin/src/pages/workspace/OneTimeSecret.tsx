// A credential the API answers only once (an API key, a site's signing secret, an invitation link): shown with a copy
// button and the warning that it will not be shown again. Kept in this component's state only, never stored.
import { Alert, Box, IconButton, Tooltip, Typography } from '@mui/material';
import ContentCopyIcon from '@mui/icons-material/ContentCopy';
import { useNotify, useTranslate } from 'react-admin';

export interface SecretLine {
  label: string;
  value: string;
}

export function OneTimeSecret({ lines, warning, testId }: { lines: SecretLine[]; warning?: string; testId?: string }) {
  const translate = useTranslate();
  const notify = useNotify();
  const copy = async (line: SecretLine) => {
    try {
      await navigator.clipboard.writeText(line.value);
      notify('postflow.workspace.copied', { type: 'info', messageArgs: { what: line.label } });
    } catch (error) {
      notify('postflow.workspace.copyFailed', { type: 'warning', messageArgs: { message: (error as Error).message } });
    }
  };
  return (
    <Alert severity="warning" sx={{ my: 2, '& .MuiAlert-message': { minWidth: 0, flex: 1 } }} data-testid={testId}>
      <Typography variant="body2" sx={{ mb: 1, fontWeight: 'bold' }}>
        {warning ?? translate('postflow.workspace.shownOnce')}
      </Typography>
      {lines.map((line) => (
        <Box key={line.label} sx={{ display: 'flex', alignItems: 'center', gap: 1, minWidth: 0 }}>
          <Typography variant="body2" component="span" sx={{ flexShrink: 0 }}>
            {line.label}:
          </Typography>
          <Typography variant="body2" component="code" sx={{ fontFamily: 'monospace', overflowWrap: 'anywhere', minWidth: 0 }} data-secret={line.label}>
            {line.value}
          </Typography>
          <Tooltip title={translate('postflow.workspace.copy', { what: line.label })}>
            <IconButton size="small" aria-label={translate('postflow.workspace.copy', { what: line.label })} onClick={() => void copy(line)}>
              <ContentCopyIcon fontSize="small" />
            </IconButton>
          </Tooltip>
        </Box>
      ))}
    </Alert>
  );
}
