// One source: what it is, its rules (an ADMIN edits them), a WordPress site's secrets rotated, disconnecting it, its
// events (paged, by outcome) and its catalog imports.
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Box, Button, Chip, Typography } from '@mui/material';
import { LinkBase, useParams, useTranslate } from 'react-admin';
import { useApiAction } from '../workspace/actions';
import { ConfirmAction } from '../workspace/ConfirmAction';
import { LoadError, PageSection } from '../workspace/PageSection';
import { useMyRole } from '../workspace/role';
import { WorkspacePage } from '../workspace/WorkspacePage';
import { disconnectSource, fetchSource, rotateSourceSecret, SOURCES_KEY, type SiteSecrets, type Source } from './data';
import { SiteSecretsShown } from './SiteSecretsShown';
import { SourceEvents } from './SourceEvents';
import { SourceImports } from './SourceImports';
import { SourceRulesForm } from './SourceRulesForm';

export function SourceDetailPage() {
  const translate = useTranslate();
  const { id = '' } = useParams<{ id: string }>();
  const source = useQuery({ queryKey: [...SOURCES_KEY, id], queryFn: () => fetchSource(id) });
  const { atLeast } = useMyRole();
  return (
    <WorkspacePage title={source.data ? translate('postflow.sources.detailTitle', { name: source.data.name }) : translate('postflow.sources.title')}>
      <Button component={LinkBase} to="/sources" size="small" sx={{ mb: 1 }}>
        {translate('postflow.sources.back')}
      </Button>
      <LoadError error={source.error} />
      {source.data && (
        <>
          <Summary source={source.data} admin={atLeast('ADMIN')} />
          {atLeast('ADMIN') && <SourceRulesForm key={source.data.updatedAt} source={source.data} />}
          <SourceEvents sourceId={source.data.id} />
          <SourceImports source={source.data} admin={atLeast('ADMIN')} />
        </>
      )}
    </WorkspacePage>
  );
}

function Summary({ source, admin }: { source: Source; admin: boolean }) {
  const translate = useTranslate();
  const { run, busy } = useApiAction();
  const [secrets, setSecrets] = useState<SiteSecrets | null>(null);
  const active = source.status === 'ACTIVE';
  return (
    <PageSection title={translate('postflow.sources.summary')} id="source-summary">
      <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', alignItems: 'center', mb: 1 }}>
        <Chip size="small" label={translate(`postflow.sources.kinds.${source.kind}`)} />
        <Chip size="small" color={active ? 'success' : 'default'} label={translate(`postflow.sources.statuses.${source.status}`)} />
        <Typography variant="body2" sx={{ overflowWrap: 'anywhere' }}>
          {source.externalId}
        </Typography>
      </Box>
      {source.missingScopes.length > 0 && (
        <Typography variant="body2" color="error.main" sx={{ mb: 1 }}>
          {translate('postflow.sources.missingHelp', { scopes: source.missingScopes.join(', ') })}
        </Typography>
      )}
      {admin && active && (
        <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
          {source.kind === 'WORDPRESS' && (
            <ConfirmAction
              color="primary"
              disabled={busy}
              label={translate('postflow.sources.rotate')}
              title={translate('postflow.sources.rotateTitle')}
              content={translate('postflow.sources.rotateHelp')}
              onConfirm={async () => setSecrets((await run(() => rotateSourceSecret(source.id), { success: 'postflow.sources.rotated' })) ?? null)}
            />
          )}
          <ConfirmAction
            label={translate('postflow.sources.disconnect')}
            title={translate('postflow.sources.disconnectTitle', { name: source.name })}
            content={translate('postflow.sources.disconnectHelp')}
            onConfirm={() => run(() => disconnectSource(source.id), { success: 'postflow.sources.disconnected', invalidate: [SOURCES_KEY] })}
          />
        </Box>
      )}
      {secrets && <SiteSecretsShown secrets={secrets} name={source.name} />}
    </PageSection>
  );
}
