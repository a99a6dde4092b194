// The IANA time zone local times of the file are read in: the browser's own by default, any zone it knows to pick.
import { Autocomplete, TextField } from '@mui/material';
import { useTranslate } from 'react-admin';

export const BROWSER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;
const ZONES = (() => {
  const zones = Intl.supportedValuesOf('timeZone');
  return zones.includes(BROWSER_ZONE) ? zones : [BROWSER_ZONE, ...zones];
})();

export function TimeZoneField({ value, onChange, disabled }: { value: string; onChange: (zone: string) => void; disabled?: boolean }) {
  const translate = useTranslate();
  return (
    <Autocomplete
      options={ZONES}
      value={value}
      disableClearable
      disabled={disabled}
      onChange={(_event, zone) => onChange(zone)}
      sx={{ width: { xs: '100%', sm: 320 } }}
      renderInput={(params) => <TextField {...params} label={translate('postflow.import.timeZone')} helperText={translate('postflow.import.timeZoneHelp')} />}
    />
  );
}
