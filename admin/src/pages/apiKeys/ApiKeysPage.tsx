// API keys: the workspace's keys (never the keys themselves: their first characters), a new one shown once with a
// copy button, and revoking one. Reading them is an ADMIN's: a lesser role sees the API's FORBIDDEN message.
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Chip, FormControlLabel, Switch, Table, TableBody, TableCell, TableContainer, TableHead, TableRow } from '@mui/material';
import { useTranslate } from 'react-admin';
import { formatDateTime } from '../../format';
import { useApiAction } from '../workspace/actions';
import { ConfirmAction } from '../workspace/ConfirmAction';
import { LoadError, PageSection } from '../workspace/PageSection';
import { WorkspacePage } from '../workspace/WorkspacePage';
import { CreateApiKey } from './CreateApiKey';
import { API_KEYS_KEY, fetchApiKeys, revokeApiKey } from './data';

export function ApiKeysPage() {
  const translate = useTranslate();
  const [includeRevoked, setIncludeRevoked] = useState(false);
  const keys = useQuery({ queryKey: [...API_KEYS_KEY, includeRevoked], queryFn: () => fetchApiKeys(includeRevoked) });
  const { run } = useApiAction();
  const none = translate('postflow.workspace.none');
  return (
    <WorkspacePage title={translate('postflow.apiKeys.title')}>
      {keys.error ? (
        <LoadError error={keys.error} />
      ) : (
        <>
          <CreateApiKey />
          <PageSection title={translate('postflow.apiKeys.list')} id="api-keys-list">
            <FormControlLabel
              control={<Switch checked={includeRevoked} onChange={(event) => setIncludeRevoked(event.target.checked)} />}
              label={translate('postflow.apiKeys.includeRevoked')}
            />
            <TableContainer sx={{ overflowX: 'auto' }}>
              <Table size="small" aria-label={translate('postflow.apiKeys.list')}>
                <TableHead>
                  <TableRow>
                    <TableCell>{translate('postflow.apiKeys.name')}</TableCell>
                    <TableCell>{translate('postflow.apiKeys.prefix')}</TableCell>
                    <TableCell>{translate('postflow.apiKeys.scopes')}</TableCell>
                    <TableCell>{translate('postflow.apiKeys.createdColumn')}</TableCell>
                    <TableCell>{translate('postflow.apiKeys.expires')}</TableCell>
                    <TableCell>{translate('postflow.apiKeys.lastUsed')}</TableCell>
                    <TableCell>{translate('postflow.apiKeys.actions')}</TableCell>
                  </TableRow>
                </TableHead>
                <TableBody>
                  {(keys.data ?? []).map((key) => (
                    <TableRow key={key.id} data-testid={`api-key-${key.id}`}>
                      <TableCell>{key.name}</TableCell>
                      <TableCell sx={{ fontFamily: 'monospace' }}>{key.prefix}…</TableCell>
                      <TableCell>
                        {key.scopes.map((scope) => (
                          <Chip key={scope} size="small" label={translate(`postflow.apiKeys.scope.${scope}`)} sx={{ m: 0.25 }} />
                        ))}
                      </TableCell>
                      <TableCell>{translate('postflow.apiKeys.createdBy', { at: formatDateTime(key.createdAt), by: key.createdBy.email })}</TableCell>
                      <TableCell>{key.expiresAt ? formatDateTime(key.expiresAt) : translate('postflow.apiKeys.never')}</TableCell>
                      <TableCell>{key.lastUsedAt ? formatDateTime(key.lastUsedAt) : none}</TableCell>
                      <TableCell>
                        {key.revokedAt ? (
                          translate('postflow.apiKeys.revokedAt', { at: formatDateTime(key.revokedAt) })
                        ) : (
                          <ConfirmAction
                            label={translate('postflow.apiKeys.revoke')}
                            ariaLabel={translate('postflow.apiKeys.revokeOf', { name: key.name })}
                            title={translate('postflow.apiKeys.revokeTitle', { name: key.name })}
                            content={translate('postflow.apiKeys.revokeHelp')}
                            onConfirm={() => run(() => revokeApiKey(key.id), { success: 'postflow.apiKeys.revoked', invalidate: [API_KEYS_KEY] })}
                          />
                        )}
                      </TableCell>
                    </TableRow>
                  ))}
                  {keys.data && !keys.data.length && (
                    <TableRow>
                      <TableCell colSpan={7}>{translate('postflow.apiKeys.empty')}</TableCell>
                    </TableRow>
                  )}
                </TableBody>
              </Table>
            </TableContainer>
          </PageSection>
        </>
      )}
    </WorkspacePage>
  );
}
