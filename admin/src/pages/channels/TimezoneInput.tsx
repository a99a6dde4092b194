// An IANA time zone, chosen from those this browser knows (the server checks it again).
import { AutocompleteInput, useTranslate } from 'react-admin';

const ZONES = Intl.supportedValuesOf('timeZone');
const CHOICES = (ZONES.includes('UTC') ? ZONES : ['UTC', ...ZONES]).map((zone) => ({ id: zone, name: zone }));

export const viewerTimezone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export function TimezoneInput({ source = 'timezone' }: { source?: string }) {
  const translate = useTranslate();
  return <AutocompleteInput source={source} choices={CHOICES} label={translate('postflow.channels.timezone')} helperText={translate('postflow.channels.timezoneHelp')} fullWidth />;
}
