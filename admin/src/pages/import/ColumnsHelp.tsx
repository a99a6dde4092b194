// The columns a file may have, documented on the page itself, with a small example file.
import { Box, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';
import { COLUMNS, type Column } from './parseCsv';

const REQUIRED: Record<Column, 'yes' | 'no' | 'unlessMedia'> = { content: 'unlessMedia', channels: 'yes', scheduledAt: 'no', mediaUrls: 'no', draft: 'no' };

const EXAMPLE = `content,channels,scheduledAt,mediaUrls,draft
"Fresh bread at 8, every day",Bakery Mastodon|Bakery Bluesky,2030-05-01 08:00,https://example.com/bread.jpg,
Weekend opening hours,Bakery Mastodon,,,
"Summer menu, coming soon",Bakery Bluesky,2030-06-01T09:00:00+02:00,,yes`;

export function ColumnsHelp() {
  const translate = useTranslate();
  const required = (column: Column) =>
    REQUIRED[column] === 'unlessMedia'
      ? `${translate('postflow.import.yes')} (${translate('postflow.import.requiredUnlessMedia')})`
      : translate(`postflow.import.${REQUIRED[column]}`);
  return (
    <Box component="section" aria-labelledby="import-columns">
      <Typography component="h2" variant="h6" id="import-columns">
        {translate('postflow.import.columnsTitle')}
      </Typography>
      <TableContainer>
        <Table size="small" aria-labelledby="import-columns">
          <TableHead>
            <TableRow>
              <TableCell scope="col">{translate('postflow.import.columnName')}</TableCell>
              <TableCell scope="col">{translate('postflow.import.columnRequired')}</TableCell>
              <TableCell scope="col">{translate('postflow.import.columnMeaning')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {COLUMNS.map((column) => (
              <TableRow key={column}>
                <TableCell component="th" scope="row">
                  <code>{column}</code>
                </TableCell>
                <TableCell>{required(column)}</TableCell>
                <TableCell>{translate(`postflow.import.column.${column}`)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </TableContainer>
      <Typography component="h3" variant="subtitle2" sx={{ mt: 2 }}>
        {translate('postflow.import.example')}
      </Typography>
      <Box component="pre" sx={{ overflowX: 'auto', bgcolor: 'grey.100', p: 1, fontSize: 13, m: 0 }} tabIndex={0}>
        {EXAMPLE}
      </Box>
    </Box>
  );
}
