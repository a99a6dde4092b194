// What the import did, from bulkCreatePosts' own counts summed over the chunks, and the way to the queue.
import { Alert, Box, Button, Table, TableBody, TableCell, TableRow, Typography } from '@mui/material';
import { Link, useTranslate } from 'react-admin';
import type { ImportSummary as Summary } from './sendImport';

const SHOWN: (keyof Summary)[] = ['created', 'scheduled', 'pending', 'drafts', 'existing'];

export function ImportSummary({ summary, onAnother }: { summary: Summary; onAnother: () => void }) {
  const translate = useTranslate();
  const number = new Intl.NumberFormat();
  const rows = summary.awaitingApproval ? [...SHOWN, 'awaitingApproval' as const] : SHOWN;
  return (
    <Box component="section" aria-labelledby="import-done" sx={{ my: 2 }}>
      <Typography component="h2" variant="h6" id="import-done">
        {translate('postflow.import.doneTitle')}
      </Typography>
      <Table size="small" data-testid="import-summary" sx={{ maxWidth: 420 }}>
        <TableBody>
          {rows.map((key) => (
            <TableRow key={key}>
              <TableCell component="th" scope="row">
                {translate(`postflow.import.${key}`)}
              </TableCell>
              <TableCell align="right" data-testid={`import-${key}`}>
                {number.format(summary[key])}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {summary.pending > 0 && (
        <Alert severity="info" sx={{ my: 2 }}>
          {translate('postflow.import.pendingHelp')}
        </Alert>
      )}
      <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', mt: 2 }}>
        <Button variant="contained" component={Link} to="/deliveries">
          {translate('postflow.import.openQueue')}
        </Button>
        <Button variant="outlined" onClick={onAnother}>
          {translate('postflow.import.another')}
        </Button>
      </Box>
    </Box>
  );
}
