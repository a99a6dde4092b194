// One delivery: where and when it goes (or went) out and why then, the post's text and media, and the attempt log
// with each network answer. Live: its own changes refetch it.
import type { ReactNode } from 'react';
import { Box, Card, CardContent, Link as MuiLink, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import { Link, Show, useRecordContext, useTranslate } from 'react-admin';
import type { DeliveryRecord } from '../../dataProvider/deliveries';
import { formatDateTime } from '../../format';
import { useLiveInvalidate } from '../../live';
import { DeliveryTime, SourceLabel, StatusChip } from './DeliveryFields';
import { formatInZone } from './time';

export function DeliveryShow() {
  const translate = useTranslate();
  return (
    <Show title={translate('postflow.queue.show.title')}>
      <DeliveryDetail />
    </Show>
  );
}

function Detail({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <Typography component="dt" variant="body2" color="text.secondary">
        {label}
      </Typography>
      <Typography component="dd" variant="body2" sx={{ m: 0, overflowWrap: 'anywhere' }}>
        {children}
      </Typography>
    </>
  );
}

function DeliveryDetail() {
  const translate = useTranslate();
  const delivery = useRecordContext<DeliveryRecord>();
  useLiveInvalidate('subscription DeliveryDetail($postId: ID) { deliveryUpdated(postId: $postId) { id } }', [['deliveries']], { postId: delivery?.post.id ?? null });
  if (!delivery) return null;
  const t = (key: string, options?: Record<string, unknown>) => translate(`postflow.queue.show.${key}`, options);
  return (
    <CardContent sx={{ display: 'grid', gap: 3 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap' }}>
        <Typography component="h1" variant="h5">
          {t('heading', { channel: delivery.channel.name })}
        </Typography>
        <StatusChip status={delivery.status} />
        <Link to="/deliveries" sx={{ ml: 'auto' }}>
          {t('backToQueue')}
        </Link>
      </Box>
      <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', sm: 'max-content 1fr' }, columnGap: 2, rowGap: 1, m: 0 }}>
        <Detail label={t('channel')}>{`${delivery.channel.name} (${delivery.channel.platform})`}</Detail>
        <Detail label={t('time')}>
          <DeliveryTime delivery={delivery} />
        </Detail>
        {delivery.requestedAt && <Detail label={t('requested')}>{formatInZone(delivery.requestedAt, delivery.channel.timezone)}</Detail>}
        <Detail label={t('reason')}>{delivery.scheduleReason ?? '—'}</Detail>
        <Detail label={t('source')}>
          <SourceLabel source={delivery.post.source} />
        </Detail>
        <Detail label={t('attempts')}>{delivery.attempts.toLocaleString()}</Detail>
        {delivery.lastError && <Detail label={t('lastError')}>{delivery.lastError}</Detail>}
        {delivery.externalUrl && (
          <Detail label={t('onNetwork')}>
            <MuiLink href={delivery.externalUrl} target="_blank" rel="noopener noreferrer">
              {delivery.externalUrl}
            </MuiLink>
          </Detail>
        )}
      </Box>
      <Section title={t('text')}>
        <Typography sx={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{delivery.post.content}</Typography>
        {delivery.contentOverride && (
          <>
            <Typography component="h3" variant="subtitle2" sx={{ mt: 2 }}>
              {t('override')}
            </Typography>
            <Typography sx={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{delivery.contentOverride}</Typography>
          </>
        )}
      </Section>
      <Section title={t('media')}>
        {delivery.post.mediaUrls.length ? (
          <Box component="ul" sx={{ display: 'flex', flexWrap: 'wrap', gap: 1, listStyle: 'none', p: 0, m: 0 }}>
            {delivery.post.mediaUrls.map((url, index) => (
              <li key={url}>
                <MuiLink href={url} target="_blank" rel="noopener noreferrer" aria-label={t('mediaItem', { n: index + 1, url })}>
                  <Box
                    component="img"
                    src={url}
                    alt={t('mediaItem', { n: index + 1, url })}
                    loading="lazy"
                    sx={{ width: 120, height: 120, objectFit: 'cover', borderRadius: 1, bgcolor: 'grey.200' }}
                  />
                </MuiLink>
              </li>
            ))}
          </Box>
        ) : (
          <Typography color="text.secondary">{t('noMedia')}</Typography>
        )}
      </Section>
      <Section title={t('attemptLog')}>
        <AttemptLog delivery={delivery} />
      </Section>
    </CardContent>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  const id = `delivery-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <Card variant="outlined" component="section" aria-labelledby={id}>
      <CardContent>
        <Typography component="h2" variant="h6" id={id} sx={{ mb: 1 }}>
          {title}
        </Typography>
        {children}
      </CardContent>
    </Card>
  );
}

function AttemptLog({ delivery }: { delivery: DeliveryRecord }) {
  const translate = useTranslate();
  const t = (key: string) => translate(`postflow.queue.show.attempt.${key}`);
  const attempts = delivery.attemptLog ?? [];
  if (!attempts.length) return <Typography color="text.secondary">{translate('postflow.queue.show.noAttempts')}</Typography>;
  return (
    <Box sx={{ overflowX: 'auto' }}>
      <Table size="small" aria-label={translate('postflow.queue.show.attemptLog')}>
        <TableHead>
          <TableRow>
            <TableCell>{t('number')}</TableCell>
            <TableCell>{t('started')}</TableCell>
            <TableCell>{t('finished')}</TableCell>
            <TableCell>{t('outcome')}</TableCell>
            <TableCell>{t('code')}</TableCell>
            <TableCell>{t('message')}</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {attempts.map((attempt) => (
            <TableRow key={attempt.id}>
              <TableCell>{attempt.number.toLocaleString()}</TableCell>
              <TableCell>{formatDateTime(attempt.startedAt)}</TableCell>
              <TableCell>{formatDateTime(attempt.finishedAt)}</TableCell>
              <TableCell>{translate(`postflow.queue.outcome.${attempt.outcome}`, { _: attempt.outcome })}</TableCell>
              <TableCell>{attempt.responseCode ?? '—'}</TableCell>
              <TableCell sx={{ overflowWrap: 'anywhere' }}>{[attempt.errorClass, attempt.responseMessage].filter(Boolean).join(': ') || '—'}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Box>
  );
}
