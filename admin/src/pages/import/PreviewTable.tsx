// The first rows of the file as they will be imported: their channels found, their time read in its zone.
import { Table, TableBody, TableCell, TableContainer, TableHead, TableRow } from '@mui/material';
import { useTranslate } from 'react-admin';
import type { CheckedFile } from './useImportCheck';

export function PreviewTable({ preview, zone }: { preview: CheckedFile['preview']; zone: string }) {
  const translate = useTranslate();
  const number = new Intl.NumberFormat();
  // dateStyle cannot be combined with timeZoneName: the same fields, spelt out.
  const time = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone: zone, timeZoneName: 'short' });
  const when = (entry: CheckedFile['preview'][number]) => {
    const { post, row } = entry;
    if (!post) return row.values.scheduledAt;
    const at = post.scheduledAt ? time.format(new Date(post.scheduledAt)) : null;
    if (post.draft) return at ? translate('postflow.import.draftAt', { time: at }) : translate('postflow.import.asDraft');
    return at ?? translate('postflow.import.toQueue');
  };
  return (
    <TableContainer tabIndex={0} aria-labelledby="import-preview-caption">
      <Table size="small" data-testid="import-preview">
        <caption id="import-preview-caption">{translate('postflow.import.previewCaption', { count: number.format(preview.length) })}</caption>
        <TableHead>
          <TableRow>
            <TableCell scope="col">{translate('postflow.import.line')}</TableCell>
            <TableCell scope="col">{translate('postflow.import.content')}</TableCell>
            <TableCell scope="col">{translate('postflow.import.channels')}</TableCell>
            <TableCell scope="col">{translate('postflow.import.when')}</TableCell>
            <TableCell scope="col">{translate('postflow.import.media')}</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {preview.map((entry) => (
            <TableRow key={entry.row.line}>
              <TableCell component="th" scope="row">
                {number.format(entry.row.line)}
              </TableCell>
              <TableCell sx={{ maxWidth: 320, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }} title={entry.row.values.content}>
                {entry.row.values.content}
              </TableCell>
              <TableCell>{entry.post ? entry.post.channels.map((channel) => channel.name).join(', ') : entry.row.values.channels}</TableCell>
              <TableCell>{when(entry)}</TableCell>
              <TableCell>{number.format(entry.post?.mediaUrls.length ?? 0)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}
