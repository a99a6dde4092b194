// The composer (/compose, or /compose?channel=<id> to start with channels chosen): one post to one or more
// channels through createPost, with what the API will make of it shown as it is written (validatePost per channel,
// previewSchedule for the timing, the text each network gets). A refused post's field errors land on the inputs
// they name; anything else is a notification with the API's message.
import { useState, type FormEvent, type ReactNode } from 'react';
import { Box, Button, Card, CardContent, CircularProgress, TextField, Typography } from '@mui/material';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { HttpError, Title, useGetList, useLocation, useNotify, useTranslate } from 'react-admin';
import type { ChannelRecord } from '../../dataProvider/channels';
import { gql, type ErrorBody } from '../../graphql';
import { ChannelPicker } from './ChannelPicker';
import { ChannelTexts } from './ChannelTexts';
import { createPostInput, emptyValues, instantOf, NO_FIELD_ERRORS, placeFieldErrors, sentMedia, type ComposerValues, type FieldErrors } from './composerState';
import { CreatedPost } from './CreatedPost';
import { MediaUrlsField } from './MediaUrlsField';
import { NetworkPreview } from './NetworkPreview';
import { SchedulePreview } from './SchedulePreview';
import { TimingFields } from './TimingFields';
import { useDebounced, useSchedulePreview, useVerdicts } from './useComposerChecks';

const CREATE = `mutation ComposerCreatePost($input: CreatePostInput!) { createPost(input: $input) { id } }`;

/** The route's element: a new composer for each query string, so a link with other channels starts afresh. */
export function ComposerPage() {
  const { search } = useLocation();
  return <Composer key={search} preselected={new URLSearchParams(search).getAll('channel')} />;
}

function Composer({ preselected }: { preselected: string[] }) {
  const translate = useTranslate();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<ComposerValues>(() => emptyValues(preselected));
  const [errors, setErrors] = useState<FieldErrors>(NO_FIELD_ERRORS);
  const [createdId, setCreatedId] = useState<string | null>(null);
  const { data: channels = [], isPending: channelsPending } = useGetList<ChannelRecord>('channels', { pagination: { page: 1, perPage: 1000 } });

  // Only channels this workspace has: a stale link's id is dropped rather than refused by every check.
  const known = new Set(channels.map((channel) => channel.id));
  const checked: ComposerValues = { ...values, channelIds: values.channelIds.filter((id) => known.has(id)) };
  const chosen = channels.filter((channel) => checked.channelIds.includes(channel.id));
  const verdicts = useVerdicts(checked);
  const placements = useSchedulePreview(checked);
  // The look preview follows the text once typing pauses, like the checks (compared as text: a fresh object each render).
  const settled = JSON.parse(useDebounced(JSON.stringify(checked))) as ComposerValues;

  const change = (patch: Partial<ComposerValues>) => {
    setValues((current) => ({ ...current, ...patch }));
    // An input's error goes once the input changes; the others stay until the next submit.
    setErrors((current) => ({
      ...current,
      ...('content' in patch && { content: undefined }),
      ...('channelIds' in patch && { channels: undefined }),
      ...('media' in patch && { media: undefined, mediaRows: {} }),
      ...('overrides' in patch && { overrides: {} }),
      ...(('localTime' in patch || 'zone' in patch || 'mode' in patch || 'timing' in patch) && { scheduledAt: undefined }),
    }));
  };

  const create = useMutation({
    mutationFn: async (input: Record<string, unknown>) => (await gql<{ createPost: { id: string } }>(CREATE, { input })).createPost,
    onSuccess: (post) => {
      setCreatedId(post.id);
      notify('postflow.compose.createdNotice', { type: 'success' });
      for (const queryKey of [['posts'], ['deliveries'], ['failedDeliveries']]) void queryClient.invalidateQueries({ queryKey });
    },
    onError: (error: Error) => {
      const body = error instanceof HttpError ? (error.body as ErrorBody | undefined) : undefined;
      if (body?.code !== 'VALIDATION_FAILED') {
        notify('postflow.compose.failed', { type: 'error', messageArgs: { message: error.message } });
        return;
      }
      const placed = placeFieldErrors(body.errors, checked);
      setErrors(placed);
      const message = placed.unplaced.length ? placed.unplaced.join('; ') : translate('postflow.compose.fixFields');
      notify('postflow.compose.refusedNotice', { type: 'error', messageArgs: { message } });
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (checked.timing === 'at' && !instantOf(checked.localTime, checked.zone)) {
      setErrors({ ...NO_FIELD_ERRORS, scheduledAt: translate('postflow.compose.dateTimeRequired') });
      return;
    }
    setErrors(NO_FIELD_ERRORS);
    create.mutate(createPostInput(checked));
  };

  const startAgain = () => {
    setValues(emptyValues(checked.channelIds));
    setErrors(NO_FIELD_ERRORS);
    setCreatedId(null);
    create.reset();
  };

  return (
    <Box sx={{ py: 2 }}>
      <Title title={translate('postflow.compose.title')} />
      <Typography component="h1" variant="h5" sx={{ mb: 2 }}>
        {translate('postflow.compose.title')}
      </Typography>
      {createdId ? (
        <CreatedPost postId={createdId} onAnother={startAgain} />
      ) : (
        <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: 'minmax(0, 1fr)', md: 'minmax(0, 3fr) minmax(0, 2fr)' }, alignItems: 'start' }}>
          <Card component="form" noValidate onSubmit={submit} aria-label={translate('postflow.compose.title')}>
            <CardContent sx={{ display: 'grid', gap: 2.5 }}>
              {channelsPending ? <CircularProgress aria-label={translate('postflow.compose.loading')} /> : null}
              <ChannelPicker channels={channels} selected={checked.channelIds} onChange={(channelIds) => change({ channelIds })} error={errors.channels} />
              <TextField
                label={translate('postflow.compose.content')}
                value={values.content}
                onChange={(event) => change({ content: event.target.value })}
                multiline
                minRows={4}
                fullWidth
                error={!!errors.content}
                helperText={errors.content ?? translate('postflow.compose.contentHelp')}
              />
              {verdicts.error && <Typography color="error">{translate('postflow.compose.checkFailed', { message: verdicts.error.message })}</Typography>}
              <ChannelTexts
                channels={chosen}
                content={values.content}
                overrides={values.overrides}
                onOverridesChange={(overrides) => change({ overrides })}
                verdicts={verdicts.byChannel}
                errors={errors.overrides}
              />
              <MediaUrlsField media={values.media} onChange={(media) => change({ media })} rowErrors={errors.mediaRows} error={errors.media} />
              <TimingFields values={values} channels={chosen} onChange={change} error={errors.scheduledAt} />
              <Box>
                <Button type="submit" variant="contained" disabled={create.isPending || !checked.channelIds.length}>
                  {translate(`postflow.compose.submit.${values.timing}`)}
                </Button>
              </Box>
            </CardContent>
          </Card>
          <Box sx={{ display: 'grid', gap: 2 }}>
            <PreviewCard id="where-heading" title={translate('postflow.compose.whereTitle')}>
              <SchedulePreview timing={checked.timing} channels={chosen} previews={placements.byChannel} error={placements.error} />
            </PreviewCard>
            <PreviewCard id="look-heading" title={translate('postflow.compose.lookTitle')}>
              <NetworkPreview channels={chosen} content={settled.content} overrides={settled.overrides} mediaUrls={sentMedia(settled).urls} verdicts={verdicts.byChannel} />
            </PreviewCard>
          </Box>
        </Box>
      )}
    </Box>
  );
}

function PreviewCard({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <Card component="section" aria-labelledby={id}>
      <CardContent>
        <Typography component="h2" variant="h6" id={id} sx={{ mb: 1 }}>
          {title}
        </Typography>
        {children}
      </CardContent>
    </Card>
  );
}
