// A WordPress site or an RSS/Atom feed added: a site answers its site key and signing secret, shown this once for
// the plugin's settings (a feed has none).
import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Box, Button, MenuItem, TextField } from '@mui/material';
import { useNotify, useTranslate } from 'react-admin';
import { useFormFailure } from '../workspace/formErrors';
import { PageSection } from '../workspace/PageSection';
import { createSource, SOURCES_KEY, type SiteSecrets } from './data';
import { SiteSecretsShown } from './SiteSecretsShown';

export function CreateSource() {
  const translate = useTranslate();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<'WORDPRESS' | 'FEED'>('FEED');
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [busy, setBusy] = useState(false);
  const [secrets, setSecrets] = useState<(SiteSecrets & { name: string }) | null>(null);
  const errors = useFormFailure(['name', 'url', 'kind']);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    errors.clear();
    try {
      const answer = await createSource({ kind, name: name.trim(), url: url.trim() });
      setSecrets(answer.siteKey ? { ...answer, name: answer.source.name } : null);
      setName('');
      setUrl('');
      notify('postflow.sources.created', { type: 'success', messageArgs: { name: answer.source.name } });
      await queryClient.invalidateQueries({ queryKey: SOURCES_KEY });
    } catch (failure) {
      errors.fail(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <PageSection title={translate('postflow.sources.create')} id="sources-create">
      <Box component="form" onSubmit={(event) => void submit(event)} aria-labelledby="sources-create" sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', alignItems: 'flex-start' }}>
        <TextField
          select
          size="small"
          label={translate('postflow.sources.kind')}
          value={kind}
          onChange={(event) => setKind(event.target.value as 'WORDPRESS' | 'FEED')}
          sx={{ minWidth: 150 }}
        >
          <MenuItem value="FEED">{translate('postflow.sources.kinds.FEED')}</MenuItem>
          <MenuItem value="WORDPRESS">{translate('postflow.sources.kinds.WORDPRESS')}</MenuItem>
        </TextField>
        <TextField
          size="small"
          required
          label={translate('postflow.sources.name')}
          value={name}
          onChange={(event) => setName(event.target.value)}
          error={!!errors.field('name')}
          helperText={errors.field('name')}
          sx={{ flex: '1 1 180px' }}
        />
        <TextField
          size="small"
          required
          type="url"
          label={translate(kind === 'FEED' ? 'postflow.sources.feedUrl' : 'postflow.sources.siteUrl')}
          value={url}
          onChange={(event) => setUrl(event.target.value)}
          error={!!errors.field('url')}
          helperText={errors.field('url')}
          sx={{ flex: '2 1 240px' }}
        />
        <Button type="submit" variant="contained" disabled={busy}>
          {translate('postflow.sources.createButton')}
        </Button>
      </Box>
      {secrets && <SiteSecretsShown secrets={secrets} name={secrets.name} />}
    </PageSection>
  );
}
