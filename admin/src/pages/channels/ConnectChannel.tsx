// "Connect a channel": the networks this server publishes to, how each connects and what each accepts; choosing one
// opens its form: the network's authorization page (OAuth) or its credentials. An OAuth network can also be given
// credentials made elsewhere (a token by hand), as the API allows.
import { useState } from 'react';
import { Alert, Box, Button, Card, CardActions, CardContent, Chip, Stack, Typography } from '@mui/material';
import { Title, useTranslate } from 'react-admin';
import { CredentialsForm } from './CredentialsForm';
import { OAuthForm } from './OAuthForm';
import { useNetworks, type Network } from './useNetworks';

export function ConnectChannel() {
  const translate = useTranslate();
  const { data: networks, error } = useNetworks();
  const [chosen, setChosen] = useState<string | null>(null);
  const [byHand, setByHand] = useState(false);
  const network = networks?.find((n) => n.platform === chosen);
  return (
    <Box sx={{ py: 2 }}>
      <Title title={translate('postflow.channels.connectTitle')} />
      <Typography component="h1" variant="h5" sx={{ mb: 2 }}>
        {translate('postflow.channels.connectTitle')}
      </Typography>
      {error ? <Alert severity="error">{translate('postflow.channels.loadFailed', { message: error.message })}</Alert> : null}
      <Box component="ul" sx={{ listStyle: 'none', p: 0, m: 0, display: 'grid', gap: 2, gridTemplateColumns: 'repeat(auto-fill, minmax(220px, 1fr))' }}>
        {(networks ?? []).map((n) => (
          <li key={n.platform}>
            <NetworkCard
              network={n}
              chosen={n.platform === chosen}
              onChoose={() => {
                setChosen(n.platform);
                setByHand(!n.oauth);
              }}
            />
          </li>
        ))}
      </Box>
      {network ? (
        <Card component="section" aria-labelledby="connect-form-heading" sx={{ mt: 3 }}>
          <CardContent>
            <Typography component="h2" variant="h6" id="connect-form-heading" sx={{ mb: 1 }}>
              {translate(byHand ? 'postflow.channels.credentialsHeading' : 'postflow.channels.oauthHeading', { platform: network.platform })}
            </Typography>
            {byHand ? <CredentialsForm platform={network.platform} /> : <OAuthForm network={network} />}
            {network.oauth ? (
              <Button size="small" sx={{ mt: 2 }} onClick={() => setByHand(!byHand)}>
                {translate(byHand ? 'postflow.channels.useOAuth' : 'postflow.channels.useCredentials')}
              </Button>
            ) : null}
          </CardContent>
        </Card>
      ) : null}
    </Box>
  );
}

function NetworkCard({ network, chosen, onChoose }: { network: Network; chosen: boolean; onChoose: () => void }) {
  const translate = useTranslate();
  const number = new Intl.NumberFormat();
  const headingId = `network-${network.platform}`;
  return (
    <Card component="article" aria-labelledby={headingId} variant="outlined" sx={{ height: '100%', borderColor: chosen ? 'primary.main' : undefined }}>
      <CardContent>
        <Typography component="h2" variant="subtitle1" id={headingId} sx={{ fontWeight: 600 }}>
          {network.platform}
        </Typography>
        <Stack direction="row" spacing={1} useFlexGap sx={{ flexWrap: 'wrap', my: 1 }}>
          <Chip size="small" label={translate(network.oauth ? 'postflow.channels.viaOAuth' : 'postflow.channels.viaCredentials')} />
          {network.oauth && !network.appConfigured && !network.needsInstanceUrl ? <Chip size="small" variant="outlined" label={translate('postflow.channels.noApp')} /> : null}
          {network.needsInstanceUrl ? <Chip size="small" variant="outlined" label={translate('postflow.channels.yourServer')} /> : null}
        </Stack>
        <Typography variant="body2" color="text.secondary">
          {translate('postflow.channels.rules', { length: number.format(network.rules.maxLength), media: number.format(network.rules.maxMedia) })}
          {network.rules.requiresMedia ? ` ${translate('postflow.channels.requiresMedia')}` : ''}
        </Typography>
      </CardContent>
      <CardActions>
        <Button
          size="small"
          variant={chosen ? 'contained' : 'outlined'}
          onClick={onChoose}
          aria-pressed={chosen}
          aria-label={translate('postflow.channels.chooseNetwork', { platform: network.platform })}
        >
          {translate('postflow.channels.choose')}
        </Button>
      </CardActions>
    </Card>
  );
}
