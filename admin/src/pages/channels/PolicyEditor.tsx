// The channel's posting policy (updateChannelPolicy): posting hours and queue hours as grids, blackouts, spacing, caps
// and the reserved share, in the channel's time zone, beside the network's own limits. A week is sent only when it
// was changed (the grid has whole hours: an untouched week set to the minute stays as it is). Each VALIDATION_FAILED
// issue shows under its field; the rest as a notification.
import { Alert, Box, Card, CardContent, Typography } from '@mui/material';
import { useQueryClient } from '@tanstack/react-query';
import { ArrayInput, BooleanInput, Form, FormDataConsumer, NumberInput, SaveButton, SimpleFormIterator, TextInput, useNotify, useRecordContext, useTranslate } from 'react-admin';
import { gql } from '../../graphql';
import { POLICY_FIELDS, type ChannelWithPolicy, type PostingPolicy } from '../../dataProvider/channels';
import { HoursGrid } from './HoursGrid';
import { submitErrors } from './submitErrors';
import { gridOf, sameGrid, windowsOf, type WeekGrid } from './weekGrid';

interface PolicyValues {
  hoursRestricted: boolean;
  windows: WeekGrid;
  queueHoursRestricted: boolean;
  queueHours: WeekGrid;
  blackouts: { start: string; end: string; label?: string | null }[];
  minIntervalMinutes: number;
  queueSpacingMinutes: number;
  dailyCap: number | null;
  rolling24hCap: number | null;
  reservedShare: number;
}

const FIELDS = new Set(['minIntervalMinutes', 'queueSpacingMinutes', 'dailyCap', 'rolling24hCap', 'reservedShare']);
const isField = (name: string) => FIELDS.has(name) || /^blackouts\.\d+\.(start|end|label)$/.test(name);

function valuesOf(policy: PostingPolicy): PolicyValues {
  return {
    hoursRestricted: policy.hoursRestricted,
    windows: gridOf(policy.windows).grid,
    queueHoursRestricted: policy.queueHoursRestricted,
    queueHours: gridOf(policy.queueHours).grid,
    blackouts: policy.blackouts.map(({ start, end, label }) => ({ start, end, label })),
    minIntervalMinutes: policy.minIntervalMinutes,
    queueSpacingMinutes: policy.queueSpacingMinutes,
    dailyCap: policy.dailyCap,
    rolling24hCap: policy.rolling24hCap,
    reservedShare: policy.reservedShare,
  };
}

/** A week, as PostingPolicyInput takes it, only when it changed: off is [] (no restriction), on is every weekday. */
function weekPatch(restricted: boolean, grid: WeekGrid, before: PolicyValues, which: 'windows' | 'queueHours') {
  const wasRestricted = which === 'windows' ? before.hoursRestricted : before.queueHoursRestricted;
  if (restricted === wasRestricted && (!restricted || sameGrid(grid, before[which]))) return undefined;
  return restricted ? windowsOf(grid) : [];
}

export function PolicyEditor() {
  const channel = useRecordContext<ChannelWithPolicy>();
  const translate = useTranslate();
  const notify = useNotify();
  const queryClient = useQueryClient();
  if (!channel) return null;
  const before = valuesOf(channel.policy);
  const submit = async (values: Record<string, unknown>) => {
    const v = values as unknown as PolicyValues;
    const policy = {
      windows: weekPatch(v.hoursRestricted, v.windows, before, 'windows'),
      queueHours: weekPatch(v.queueHoursRestricted, v.queueHours, before, 'queueHours'),
      blackouts: (v.blackouts ?? []).map(({ start, end, label }) => ({ start: start?.trim() ?? '', end: end?.trim() ?? '', label: label?.trim() || undefined })),
      minIntervalMinutes: v.minIntervalMinutes ?? 0,
      queueSpacingMinutes: v.queueSpacingMinutes ?? 0,
      // Empty: no cap of our own (the server refuses that where the network has one, naming the field).
      dailyCap: v.dailyCap ?? null,
      rolling24hCap: v.rolling24hCap ?? null,
      reservedShare: v.reservedShare ?? 0,
    };
    try {
      await gql(`mutation UpdatePolicy($channelId: ID!, $policy: PostingPolicyInput!) { updateChannelPolicy(channelId: $channelId, policy: $policy) { id ${POLICY_FIELDS} } }`, {
        channelId: channel.id,
        policy,
      });
      await queryClient.invalidateQueries({ queryKey: ['channels'] });
      notify('postflow.channels.policySaved', { type: 'success', messageArgs: { name: channel.name } });
    } catch (error) {
      return submitErrors(error, isField, notify);
    }
  };
  return (
    <Card component="section" aria-labelledby="policy-heading" sx={{ mt: 2 }}>
      <CardContent>
        <Typography component="h2" variant="h6" id="policy-heading">
          {translate('postflow.channels.policyTitle')}
        </Typography>
        <Typography variant="body2" sx={{ mb: 1 }} data-testid="policy-timezone">
          {translate('postflow.channels.policyZone', { timezone: channel.timezone, now: nowIn(channel.timezone) })}
        </Typography>
        <PlatformLimits policy={channel.policy} />
        <Form onSubmit={submit} defaultValues={before} key={`${channel.id}-${JSON.stringify(channel.policy)}`}>
          <PolicyFields policy={channel.policy} />
          <SaveButton label={translate('postflow.channels.savePolicy')} alwaysEnable />
        </Form>
      </CardContent>
    </Card>
  );
}

function nowIn(timezone: string): string {
  try {
    return new Intl.DateTimeFormat(undefined, { timeZone: timezone, weekday: 'short', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' }).format(new Date());
  } catch {
    return '';
  }
}

function PlatformLimits({ policy }: { policy: PostingPolicy }) {
  const translate = useTranslate();
  const number = new Intl.NumberFormat();
  const { dailyCap, rolling24hCap, defaultMinIntervalMinutes } = policy.platformLimits;
  return (
    <Alert severity="info" sx={{ my: 1 }} data-testid="platform-limits">
      {translate('postflow.channels.platformLimits', {
        daily: dailyCap === null ? translate('postflow.channels.noDailyLimit') : translate('postflow.channels.platformDaily', { count: number.format(dailyCap) }),
        rolling: rolling24hCap === null ? translate('postflow.channels.noRollingLimit') : translate('postflow.channels.platformRolling', { count: number.format(rolling24hCap) }),
        interval: number.format(defaultMinIntervalMinutes),
      })}
    </Alert>
  );
}

function PolicyFields({ policy }: { policy: PostingPolicy }) {
  const translate = useTranslate();
  const toMinute = gridOf(policy.windows).toMinute || gridOf(policy.queueHours).toMinute;
  return (
    <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: 'minmax(0, 1fr)', lg: 'minmax(0, 1fr) minmax(0, 1fr)' } }}>
      {toMinute ? (
        <Alert severity="warning" sx={{ gridColumn: '1 / -1' }}>
          {translate('postflow.channels.toMinute')}
        </Alert>
      ) : null}
      <Box>
        <BooleanInput source="hoursRestricted" label={translate('postflow.channels.hoursRestricted')} helperText={translate('postflow.channels.hoursHelp')} />
        <FormDataConsumer>
          {({ formData }) => (formData.hoursRestricted ? <HoursGrid source="windows" caption={translate('postflow.channels.postingHours')} /> : null)}
        </FormDataConsumer>
      </Box>
      <Box>
        <BooleanInput source="queueHoursRestricted" label={translate('postflow.channels.queueHoursRestricted')} helperText={translate('postflow.channels.queueHelp')} />
        <FormDataConsumer>
          {({ formData }) => (formData.queueHoursRestricted ? <HoursGrid source="queueHours" caption={translate('postflow.channels.queueHours')} /> : null)}
        </FormDataConsumer>
      </Box>
      <Box sx={{ gridColumn: '1 / -1' }}>
        <Typography component="h3" variant="subtitle1" sx={{ fontWeight: 600 }}>
          {translate('postflow.channels.blackouts')}
        </Typography>
        <Typography variant="body2" color="text.secondary">
          {translate('postflow.channels.blackoutsHelp')}
        </Typography>
        <ArrayInput source="blackouts" label={false}>
          <SimpleFormIterator inline disableReordering disableClear>
            <TextInput source="start" label={translate('postflow.channels.blackoutStart')} helperText={translate('postflow.channels.blackoutFormat')} />
            <TextInput source="end" label={translate('postflow.channels.blackoutEnd')} helperText={translate('postflow.channels.blackoutFormat')} />
            <TextInput source="label" label={translate('postflow.channels.blackoutLabel')} helperText={false} />
          </SimpleFormIterator>
        </ArrayInput>
      </Box>
      <Box sx={{ gridColumn: '1 / -1', display: 'grid', gap: 1, gridTemplateColumns: 'repeat(auto-fill, minmax(200px, 1fr))' }}>
        <NumberInput source="minIntervalMinutes" min={0} label={translate('postflow.channels.minInterval')} helperText={translate('postflow.channels.minIntervalHelp')} />
        <NumberInput source="queueSpacingMinutes" min={0} label={translate('postflow.channels.queueSpacing')} helperText={translate('postflow.channels.queueSpacingHelp')} />
        <NumberInput source="dailyCap" min={1} label={translate('postflow.channels.dailyCap')} helperText={translate('postflow.channels.capHelp')} />
        <NumberInput source="rolling24hCap" min={1} label={translate('postflow.channels.rollingCap')} helperText={translate('postflow.channels.capHelp')} />
        <NumberInput
          source="reservedShare"
          min={0}
          max={0.99}
          step={0.05}
          label={translate('postflow.channels.reservedShare')}
          helperText={translate('postflow.channels.reservedShareHelp')}
        />
      </Box>
    </Box>
  );
}
