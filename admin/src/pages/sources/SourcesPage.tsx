// Sources: the workspace's content sources (kind, name, status, last event, access missing), a WordPress site or a
// feed added (a site's key and secret shown once), and a Shopify shop connected through the app's install link.
import { useQuery } from '@tanstack/react-query';
import { Chip, Link, Table, TableBody, TableCell, TableContainer, TableHead, TableRow } from '@mui/material';
import { LinkBase, useTranslate } from 'react-admin';
import { formatDateTime } from '../../format';
import { LoadError, PageSection } from '../workspace/PageSection';
import { useMyRole } from '../workspace/role';
import { WorkspacePage } from '../workspace/WorkspacePage';
import { ConnectShopify } from './ConnectShopify';
import { CreateSource } from './CreateSource';
import { fetchEvents, fetchSources, SOURCES_KEY, type Source } from './data';

export function SourcesPage() {
  const translate = useTranslate();
  const { atLeast } = useMyRole();
  const sources = useQuery({ queryKey: SOURCES_KEY, queryFn: fetchSources });
  return (
    <WorkspacePage title={translate('postflow.sources.title')}>
      <PageSection title={translate('postflow.sources.list')} id="sources-list">
        <LoadError error={sources.error} />
        <TableContainer sx={{ overflowX: 'auto' }}>
          <Table size="small" aria-label={translate('postflow.sources.list')}>
            <TableHead>
              <TableRow>
                <TableCell>{translate('postflow.sources.name')}</TableCell>
                <TableCell>{translate('postflow.sources.kind')}</TableCell>
                <TableCell>{translate('postflow.sources.status')}</TableCell>
                <TableCell>{translate('postflow.sources.lastEvent')}</TableCell>
                <TableCell>{translate('postflow.sources.missingScopes')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {(sources.data ?? []).map((source) => (
                <SourceRow key={source.id} source={source} />
              ))}
              {sources.data && !sources.data.length && (
                <TableRow>
                  <TableCell colSpan={5}>{translate('postflow.sources.empty')}</TableCell>
                </TableRow>
              )}
            </TableBody>
          </Table>
        </TableContainer>
      </PageSection>
      {atLeast('ADMIN') && (
        <>
          <CreateSource />
          <ConnectShopify />
        </>
      )}
    </WorkspacePage>
  );
}

function SourceRow({ source }: { source: Source }) {
  const translate = useTranslate();
  // One event per source: the list has few rows, and the API has no "last event" field of its own.
  const last = useQuery({ queryKey: [...SOURCES_KEY, source.id, 'lastEvent'], queryFn: () => fetchEvents(source.id, 1, null, null) });
  const event = last.data?.edges[0]?.node;
  return (
    <TableRow data-testid={`source-${source.id}`}>
      <TableCell sx={{ overflowWrap: 'anywhere' }}>
        <Link component={LinkBase} to={`/sources/${source.id}`}>
          {source.name}
        </Link>
        <br />
        <small>{source.externalId}</small>
      </TableCell>
      <TableCell>{translate(`postflow.sources.kinds.${source.kind}`)}</TableCell>
      <TableCell>
        <Chip size="small" color={source.status === 'ACTIVE' ? 'success' : 'default'} label={translate(`postflow.sources.statuses.${source.status}`)} />
      </TableCell>
      <TableCell>
        {event ? `${formatDateTime(event.receivedAt)} · ${translate(`postflow.sources.outcomes.${event.outcome}`, { _: event.outcome })}` : translate('postflow.sources.noEvents')}
      </TableCell>
      <TableCell>
        {source.missingScopes.length
          ? source.missingScopes.map((scope) => <Chip key={scope} size="small" color="error" label={scope} sx={{ m: 0.25 }} />)
          : translate('postflow.workspace.none')}
      </TableCell>
    </TableRow>
  );
}
