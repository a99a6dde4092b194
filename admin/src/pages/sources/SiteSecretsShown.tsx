// A WordPress site's key and signing secret, as createSource and rotateSourceSecret answer them: once.
import { useTranslate } from 'react-admin';
import { OneTimeSecret } from '../workspace/OneTimeSecret';
import type { SiteSecrets } from './data';

export function SiteSecretsShown({ secrets, name }: { secrets: SiteSecrets; name: string }) {
  const translate = useTranslate();
  return (
    <OneTimeSecret
      testId="site-secrets"
      warning={translate('postflow.sources.secretsOnce', { name })}
      lines={[
        { label: translate('postflow.sources.siteKey'), value: secrets.siteKey ?? '' },
        { label: translate('postflow.sources.signingSecret'), value: secrets.signingSecret ?? '' },
      ]}
    />
  );
}
