// A source's events, newest first, each with its outcome and reason: pages of 20 (a Relay connection), by outcome.
import { useState } from 'react';
import { useInfiniteQuery } from '@tanstack/react-query';
import { Button, MenuItem, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, TextField } from '@mui/material';
import { useTranslate } from 'react-admin';
import { formatDateTime } from '../../format';
import { LoadError, PageSection } from '../workspace/PageSection';
import { fetchEvents, SOURCES_KEY } from './data';

const OUTCOMES = ['POST_CREATED', 'IGNORED', 'ERROR', 'CANCELLED', 'DUPLICATE', 'STALE'];
const PAGE = 20;

export function SourceEvents({ sourceId }: { sourceId: string }) {
  const translate = useTranslate();
  const [outcome, setOutcome] = useState('');
  const events = useInfiniteQuery({
    queryKey: [...SOURCES_KEY, sourceId, 'events', outcome],
    queryFn: ({ pageParam }) => fetchEvents(sourceId, PAGE, pageParam, outcome || null),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.pageInfo.hasNextPage ? last.pageInfo.endCursor : undefined),
  });
  const rows = events.data?.pages.flatMap((page) => page.edges.map((edge) => edge.node)) ?? [];
  return (
    <PageSection title={translate('postflow.sources.events')} id="source-events">
      <TextField
        select
        size="small"
        label={translate('postflow.sources.outcome')}
        value={outcome}
        onChange={(event) => setOutcome(event.target.value)}
        sx={{ minWidth: 200, mb: 1 }}
      >
        <MenuItem value="">{translate('postflow.sources.allOutcomes')}</MenuItem>
        {OUTCOMES.map((value) => (
          <MenuItem key={value} value={value}>
            {translate(`postflow.sources.outcomes.${value}`)}
          </MenuItem>
        ))}
      </TextField>
      <LoadError error={events.error} />
      <TableContainer sx={{ overflowX: 'auto' }}>
        <Table size="small" aria-label={translate('postflow.sources.events')}>
          <TableHead>
            <TableRow>
              <TableCell>{translate('postflow.sources.received')}</TableCell>
              <TableCell>{translate('postflow.sources.change')}</TableCell>
              <TableCell>{translate('postflow.sources.item')}</TableCell>
              <TableCell>{translate('postflow.sources.outcome')}</TableCell>
              <TableCell>{translate('postflow.sources.reason')}</TableCell>
              <TableCell>{translate('postflow.sources.posts')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.map((row) => (
              <TableRow key={row.id}>
                <TableCell>{formatDateTime(row.receivedAt)}</TableCell>
                <TableCell>{row.change}</TableCell>
                <TableCell sx={{ overflowWrap: 'anywhere' }}>{row.itemExternalId ?? translate('postflow.workspace.none')}</TableCell>
                <TableCell>{translate(`postflow.sources.outcomes.${row.outcome}`, { _: row.outcome })}</TableCell>
                <TableCell sx={{ overflowWrap: 'anywhere' }}>{row.reason}</TableCell>
                <TableCell>{row.postIds.length}</TableCell>
              </TableRow>
            ))}
            {events.data && !rows.length && (
              <TableRow>
                <TableCell colSpan={6}>{translate('postflow.sources.noEvents')}</TableCell>
              </TableRow>
            )}
          </TableBody>
        </Table>
      </TableContainer>
      {events.hasNextPage && (
        <Button onClick={() => void events.fetchNextPage()} disabled={events.isFetchingNextPage} sx={{ mt: 1 }}>
          {translate('postflow.workspace.loadMore')}
        </Button>
      )}
    </PageSection>
  );
}
