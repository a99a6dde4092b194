// A source's catalog imports, newest first, with their progress live (sourceImportUpdated); a Shopify store's whole
// catalog imported on an ADMIN's word (the API refuses other kinds and a second import while one runs).
import { useQuery } from '@tanstack/react-query';
import { Button, List, ListItem, ListItemText } from '@mui/material';
import { useTranslate } from 'react-admin';
import { formatDateTime } from '../../format';
import { useLiveInvalidate } from '../../live';
import { useApiAction } from '../workspace/actions';
import { LoadError, PageSection } from '../workspace/PageSection';
import { fetchImports, importCatalog, SOURCES_KEY, type Source } from './data';

export function SourceImports({ source, admin }: { source: Source; admin: boolean }) {
  const translate = useTranslate();
  const { run, busy } = useApiAction();
  const key = [...SOURCES_KEY, source.id, 'imports'];
  const imports = useQuery({ queryKey: key, queryFn: () => fetchImports(source.id) });
  useLiveInvalidate('subscription SourceImportUpdated($sourceId: ID!) { sourceImportUpdated(sourceId: $sourceId) { id } }', [key], { sourceId: source.id });
  const number = new Intl.NumberFormat();
  return (
    <PageSection title={translate('postflow.sources.imports')} id="source-imports">
      {admin && source.kind === 'SHOPIFY' && source.status === 'ACTIVE' && (
        <Button variant="outlined" disabled={busy} onClick={() => void run(() => importCatalog(source.id), { success: 'postflow.sources.importStarted', invalidate: [key] })}>
          {translate('postflow.sources.importCatalog')}
        </Button>
      )}
      <LoadError error={imports.error} />
      <List dense aria-label={translate('postflow.sources.imports')}>
        {(imports.data ?? []).map((item) => (
          <ListItem key={item.id} disableGutters>
            <ListItemText
              primary={`${translate(`postflow.sources.importStatus.${item.status}`)} · ${formatDateTime(item.startedAt)}${item.finishedAt ? ` – ${formatDateTime(item.finishedAt)}` : ''}`}
              secondary={
                translate('postflow.sources.importCounts', {
                  seen: number.format(item.seen),
                  processed: number.format(item.processed),
                  posts: number.format(item.postsCreated),
                  skipped: number.format(item.skipped),
                  errors: number.format(item.errors),
                }) + (item.lastError ? ` · ${item.lastError}` : '')
              }
            />
          </ListItem>
        ))}
      </List>
      {imports.data && !imports.data.length && translate('postflow.sources.noImports')}
    </PageSection>
  );
}
