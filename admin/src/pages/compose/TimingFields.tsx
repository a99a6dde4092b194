// The four timings createPost knows: at a time (read in a zone the person picks, theirs or a channel's, SHIFT to
// the nearest allowed instant or EXACT), add to the queue (the smart scheduler), now, or a draft.
import { Box, FormControl, FormControlLabel, FormLabel, MenuItem, Radio, RadioGroup, TextField, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';
import type { ChannelRecord } from '../../dataProvider/channels';
import { instantOf, viewerZone, type ComposerValues, type RequestMode, type Timing } from './composerState';
import { ZonedTime } from './ZonedTime';

const TIMINGS: Timing[] = ['at', 'queue', 'now', 'draft'];

interface Props {
  values: ComposerValues;
  channels: ChannelRecord[];
  onChange: (patch: Partial<ComposerValues>) => void;
  error?: string;
}

export function TimingFields({ values, channels, onChange, error }: Props) {
  const translate = useTranslate();
  const mine = viewerZone();
  const channelZones = new Map<string, string[]>();
  for (const channel of channels) channelZones.set(channel.timezone, [...(channelZones.get(channel.timezone) ?? []), channel.name]);
  const zones = [mine, ...[...channelZones.keys()].filter((zone) => zone !== mine)];
  if (!zones.includes(values.zone)) zones.push(values.zone);
  const zoneLabel = (zone: string) => {
    const names = channelZones.get(zone)?.join(', ');
    if (zone === mine) return translate('postflow.compose.zoneMine', { zone }) + (names ? ` · ${names}` : '');
    return names ? translate('postflow.compose.zoneOfChannels', { zone, names }) : zone;
  };
  const instant = values.timing === 'at' ? instantOf(values.localTime, values.zone) : null;
  return (
    <Box sx={{ display: 'grid', gap: 1.5 }}>
      <FormControl component="fieldset">
        <FormLabel component="legend">{translate('postflow.compose.when')}</FormLabel>
        <RadioGroup row value={values.timing} onChange={(event) => onChange({ timing: event.target.value as Timing })}>
          {TIMINGS.map((timing) => (
            <FormControlLabel key={timing} value={timing} control={<Radio />} label={translate(`postflow.compose.timing.${timing}`)} />
          ))}
        </RadioGroup>
        <Typography variant="body2" color="text.secondary">
          {translate(`postflow.compose.timingHelp.${values.timing}`)}
        </Typography>
      </FormControl>
      {values.timing === 'at' && (
        <>
          <Box sx={{ display: 'grid', gap: 1.5, gridTemplateColumns: { xs: '1fr', sm: '1fr 1fr' } }}>
            <TextField
              label={translate('postflow.compose.dateTime')}
              type="datetime-local"
              value={values.localTime}
              onChange={(event) => onChange({ localTime: event.target.value })}
              required
              error={!!error || !instant}
              helperText={error ?? (!instant ? translate('postflow.compose.dateTimeRequired') : undefined)}
              slotProps={{ inputLabel: { shrink: true } }}
            />
            <TextField select label={translate('postflow.compose.zone')} value={values.zone} onChange={(event) => onChange({ zone: event.target.value })}>
              {zones.map((zone) => (
                <MenuItem key={zone} value={zone}>
                  {zoneLabel(zone)}
                </MenuItem>
              ))}
            </TextField>
          </Box>
          {instant && values.zone !== mine && (
            <Typography variant="body2">
              {translate('postflow.compose.inYourZone')} <ZonedTime iso={instant} zone={mine} />
            </Typography>
          )}
          <FormControl component="fieldset">
            <FormLabel component="legend">{translate('postflow.compose.mode')}</FormLabel>
            <RadioGroup value={values.mode} onChange={(event) => onChange({ mode: event.target.value as RequestMode })}>
              <FormControlLabel value="SHIFT" control={<Radio />} label={translate('postflow.compose.modeShift')} />
              <FormControlLabel value="EXACT" control={<Radio />} label={translate('postflow.compose.modeExact')} />
            </RadioGroup>
          </FormControl>
        </>
      )}
    </Box>
  );
}
