// A source's name and rules (updateSource), the parts a person sets most: events, channels, the default template,
// timing, priority, approval and UTM. The rest (templates per network or channel, evergreen...) is kept as it reads
// back, since the API replaces the rules whole. Its issues show under their fields (a template's with its line).
import { useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Box, Button, Checkbox, FormControl, FormControlLabel, FormGroup, FormHelperText, FormLabel, MenuItem, Switch, TextField } from '@mui/material';
import { useNotify, useTranslate } from 'react-admin';
import { gql } from '../../graphql';
import { useFormFailure } from '../workspace/formErrors';
import { PageSection } from '../workspace/PageSection';
import { SOURCES_KEY, updateSource, type Source, type SourceRules } from './data';

const EVENTS = ['PUBLISHED', 'BACK_IN_STOCK', 'ON_SALE'];
const TIMING = ['SMART', 'IMMEDIATE', 'DELAY'] as const;
const FIELDS = ['name', 'rules.events', 'rules.channelIds', 'rules.templates.default', 'rules.timing', 'rules.priority', 'rules.requiresApproval', 'rules.utm'];

export function SourceRulesForm({ source }: { source: Source }) {
  const translate = useTranslate();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const channels = useQuery({
    queryKey: ['postflow', 'channelNames'],
    queryFn: async () => (await gql<{ channels: { id: string; name: string; platform: string }[] }>('query ChannelNames { channels { id name platform } }')).channels,
  });
  const [name, setName] = useState(source.name);
  const [rules, setRules] = useState<SourceRules>(source.rules);
  const [busy, setBusy] = useState(false);
  const errors = useFormFailure(FIELDS);
  const set = (patch: Partial<SourceRules>) => setRules((current) => ({ ...current, ...patch }));
  const toggle = (list: string[], value: string, on: boolean) => (on ? [...list, value] : list.filter((item) => item !== value));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    errors.clear();
    try {
      await updateSource(source.id, { name: name.trim(), rules });
      notify('postflow.sources.saved', { type: 'success' });
      await queryClient.invalidateQueries({ queryKey: SOURCES_KEY });
    } catch (failure) {
      errors.fail(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <PageSection title={translate('postflow.sources.rules')} id="source-rules">
      <Box component="form" onSubmit={(event) => void submit(event)} aria-labelledby="source-rules" sx={{ display: 'grid', gap: 2 }}>
        <TextField
          size="small"
          label={translate('postflow.sources.name')}
          value={name}
          onChange={(event) => setName(event.target.value)}
          error={!!errors.field('name')}
          helperText={errors.field('name')}
        />
        <FormControl component="fieldset" error={!!errors.field('rules.events')}>
          <FormLabel component="legend">{translate('postflow.sources.ruleEvents')}</FormLabel>
          <FormGroup row>
            {EVENTS.map((value) => (
              <FormControlLabel
                key={value}
                control={<Checkbox checked={rules.events.includes(value)} onChange={(event) => set({ events: toggle(rules.events, value, event.target.checked) })} />}
                label={translate(`postflow.sources.eventKinds.${value}`)}
              />
            ))}
          </FormGroup>
          {errors.field('rules.events') && <FormHelperText>{errors.field('rules.events')}</FormHelperText>}
        </FormControl>
        <FormControl component="fieldset" error={!!errors.field('rules.channelIds')}>
          <FormLabel component="legend">{translate('postflow.sources.ruleChannels')}</FormLabel>
          <FormGroup row>
            {(channels.data ?? []).map((channel) => (
              <FormControlLabel
                key={channel.id}
                control={
                  <Checkbox checked={rules.channelIds.includes(channel.id)} onChange={(event) => set({ channelIds: toggle(rules.channelIds, channel.id, event.target.checked) })} />
                }
                label={`${channel.name} (${channel.platform})`}
              />
            ))}
          </FormGroup>
          <FormHelperText>
            {errors.field('rules.channelIds') ?? (channels.data && !channels.data.length ? translate('postflow.sources.noChannels') : translate('postflow.sources.channelsHelp'))}
          </FormHelperText>
        </FormControl>
        <TextField
          multiline
          minRows={3}
          label={translate('postflow.sources.template')}
          value={rules.templates.default}
          onChange={(event) => set({ templates: { ...rules.templates, default: event.target.value } })}
          error={!!errors.field('rules.templates.default')}
          helperText={errors.field('rules.templates.default') ?? translate('postflow.sources.templateHelp')}
          slotProps={{ htmlInput: { style: { fontFamily: 'monospace' } } }}
        />
        <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap' }}>
          <TextField
            select
            size="small"
            label={translate('postflow.sources.timing')}
            value={rules.timing.mode}
            onChange={(event) => set({ timing: { ...rules.timing, mode: event.target.value as SourceRules['timing']['mode'] } })}
            error={!!errors.field('rules.timing')}
            helperText={errors.field('rules.timing')}
            sx={{ minWidth: 180 }}
          >
            {TIMING.map((mode) => (
              <MenuItem key={mode} value={mode}>
                {translate(`postflow.sources.timingModes.${mode}`)}
              </MenuItem>
            ))}
          </TextField>
          {rules.timing.mode === 'DELAY' && (
            <TextField
              size="small"
              type="number"
              label={translate('postflow.sources.delayMinutes')}
              value={rules.timing.delayMinutes ?? ''}
              onChange={(event) => set({ timing: { ...rules.timing, delayMinutes: event.target.value === '' ? null : Number(event.target.value) } })}
              sx={{ width: 160 }}
            />
          )}
          <TextField
            size="small"
            type="number"
            label={translate('postflow.sources.priority')}
            value={rules.priority}
            onChange={(event) => set({ priority: Number(event.target.value) })}
            error={!!errors.field('rules.priority')}
            helperText={errors.field('rules.priority') ?? translate('postflow.sources.priorityHelp')}
            slotProps={{ htmlInput: { min: 0, max: 100 } }}
            sx={{ width: 160 }}
          />
        </Box>
        <FormControlLabel
          control={<Switch checked={rules.requiresApproval} onChange={(event) => set({ requiresApproval: event.target.checked })} />}
          label={translate('postflow.sources.requiresApproval')}
        />
        <FormControlLabel
          control={<Switch checked={rules.utm.enabled} onChange={(event) => set({ utm: { ...rules.utm, enabled: event.target.checked } })} />}
          label={translate('postflow.sources.utm')}
        />
        <Box>
          <Button type="submit" variant="contained" disabled={busy}>
            {translate('postflow.sources.save')}
          </Button>
        </Box>
      </Box>
    </PageSection>
  );
}
