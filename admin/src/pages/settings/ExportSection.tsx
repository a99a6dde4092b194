// The workspace's export (an ADMIN's): asking for one answers its download link once, so the link is kept in this
// page's state and shown beside that export; the list shows every export's state, refreshed while one is built.
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Button, Link, List, ListItem, ListItemText } from '@mui/material';
import { useTranslate } from 'react-admin';
import { gql } from '../../graphql';
import { formatDateTime } from '../../format';
import { useApiAction } from '../workspace/actions';
import { LoadError, PageSection } from '../workspace/PageSection';

const EXPORTS_KEY = ['postflow', 'workspaceExports'];

interface WorkspaceExport {
  id: string;
  status: 'PENDING' | 'READY' | 'FAILED' | 'DOWNLOADED' | 'EXPIRED';
  createdAt: string;
  readyAt: string | null;
  expiresAt: string;
  sizeBytes: number | null;
  error: string | null;
}

const FIELDS = 'id status createdAt readyAt expiresAt sizeBytes error';
const bytes = new Intl.NumberFormat(undefined, { style: 'unit', unit: 'kilobyte', maximumFractionDigits: 1 });

export function ExportSection() {
  const translate = useTranslate();
  const { run, busy } = useApiAction();
  const [links, setLinks] = useState<Record<string, string>>({});
  const exports = useQuery({
    queryKey: EXPORTS_KEY,
    queryFn: async () => (await gql<{ workspaceExports: WorkspaceExport[] }>(`query WorkspaceExports { workspaceExports { ${FIELDS} } }`)).workspaceExports,
    // An export is built in the background: look again until none is PENDING.
    refetchInterval: (query) => (query.state.data?.some((item) => item.status === 'PENDING') ? 2000 : false),
  });
  const request = () =>
    run(
      async () => {
        const answer = await gql<{ exportWorkspace: { downloadUrl: string; workspaceExport: WorkspaceExport } }>(
          `mutation ExportWorkspace { exportWorkspace { downloadUrl workspaceExport { ${FIELDS} } } }`,
        );
        setLinks((current) => ({ ...current, [answer.exportWorkspace.workspaceExport.id]: answer.exportWorkspace.downloadUrl }));
      },
      { success: 'postflow.settings.exportRequested', invalidate: [EXPORTS_KEY] },
    );
  return (
    <PageSection title={translate('postflow.settings.export')} id="settings-export">
      <Button variant="outlined" disabled={busy} onClick={() => void request()}>
        {translate('postflow.settings.exportButton')}
      </Button>
      <LoadError error={exports.error} />
      <List dense aria-label={translate('postflow.settings.exports')}>
        {(exports.data ?? []).map((item) => (
          <ListItem key={item.id} disableGutters>
            <ListItemText
              primary={`${translate(`postflow.settings.exportStatus.${item.status}`)} · ${formatDateTime(item.createdAt)}${item.sizeBytes ? ` · ${bytes.format(item.sizeBytes / 1000)}` : ''}`}
              secondary={
                item.error ??
                (links[item.id] && item.status === 'READY' ? (
                  <Link href={links[item.id]} download>
                    {translate('postflow.settings.download', { expires: formatDateTime(item.expiresAt) })}
                  </Link>
                ) : links[item.id] && item.status === 'PENDING' ? (
                  translate('postflow.settings.exportBuilding')
                ) : (
                  translate('postflow.settings.exportExpires', { expires: formatDateTime(item.expiresAt) })
                ))
              }
            />
          </ListItem>
        ))}
      </List>
    </PageSection>
  );
}
