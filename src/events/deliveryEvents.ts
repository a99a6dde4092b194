// Delivery and channel changes reach subscribers through Postgres LISTEN/NOTIFY: a trigger on `deliveries` (see the init
// migration) notifies on commit, whichever process made the change; each API process LISTENs on one connection
// and fans the snapshot out to its own graphql-ws / SSE subscribers. No Redis, and nothing sent before commit.
import pgListen from 'pg-listen';
import { createPubSub, filter, pipe } from 'graphql-yoga';
import type { Logger } from '../logger.js';
import type { PlatformName } from '../integrations/types.js';
import { POST_ACTIVITY_CHANNEL, type PostActivityEvent } from '../domain/postActivity.js';

export const DELIVERY_CHANNEL = 'postflow_delivery';
/** Channel changes people must hear about: needs reconnecting, reconnected, paused, access renewed (0003 migration). */
export const CHANNEL_CHANNEL = 'postflow_channel';
/** A notification written for a person (0015 migration): its id and whose it is; the subscription reads it back. */
export const NOTIFICATION_CHANNEL = 'postflow_notification';
/** A catalog import's row changed (0020 migration): its id, source and workspace; the subscription reads it back. */
export const SOURCE_IMPORT_CHANNEL = 'postflow_source_import';

// pg-listen is CommonJS with an `exports.default`.
const createSubscriber = pgListen.default;

/** The trigger's payload: what a subscriber sees of a delivery at one moment. */
export interface DeliverySnapshot {
  id: string;
  postId: string;
  channelId: string;
  workspaceId: string;
  status: string;
  scheduledAt: string | null;
  scheduleReason?: string | null;
  attempts: number;
  lastError: string | null;
  externalId: string | null;
  externalUrl: string | null;
  publishedAt: string | null;
  updatedAt: string;
}

export interface ChannelSnapshot {
  id: string;
  workspaceId: string;
  platform: PlatformName;
  name: string;
  needsReconnect: boolean;
  authError: string | null;
  paused: boolean;
  credentialsExpireAt: string | null;
  updatedAt: string;
}

export interface NotificationSignal {
  id: string;
  workspaceId: string;
  userId: string;
}

export interface SourceImportSignal {
  id: string;
  sourceId: string;
  workspaceId: string;
}

export interface DeliveryFilter {
  workspaceId: string;
  postId?: string | null;
  channelId?: string | null;
}

export interface DeliveryEvents {
  subscribe(filter: DeliveryFilter): AsyncIterable<DeliverySnapshot>;
  subscribeChannels(filter: { workspaceId: string; channelId?: string | null }): AsyncIterable<ChannelSnapshot>;
  /** Approval steps and comments (src/store/approval.ts notifies in the transaction of the change). */
  subscribePostActivity(filter: { workspaceId: string; postId?: string | null }): AsyncIterable<PostActivityEvent>;
  /** One person's new notifications in one workspace. */
  subscribeNotifications(filter: { workspaceId: string; userId: string }): AsyncIterable<NotificationSignal>;
  /** A source's catalog imports as their progress is written. */
  subscribeSourceImports(filter: { workspaceId: string; sourceId: string }): AsyncIterable<SourceImportSignal>;
  close(): Promise<void>;
}

export async function listenForDeliveryEvents(databaseUrl: string, logger: Logger): Promise<DeliveryEvents> {
  const pubsub = createPubSub<{
    delivery: [DeliverySnapshot];
    channel: [ChannelSnapshot];
    postActivity: [PostActivityEvent];
    notification: [NotificationSignal];
    sourceImport: [SourceImportSignal];
  }>();
  const subscriber = createSubscriber(
    { connectionString: databaseUrl },
    { retryLimit: Number.POSITIVE_INFINITY, retryTimeout: Number.POSITIVE_INFINITY, retryInterval: (n: number) => Math.min(5000, 250 * 2 ** n) },
  );
  subscriber.notifications.on(DELIVERY_CHANNEL, (snapshot: DeliverySnapshot) => pubsub.publish('delivery', snapshot));
  subscriber.notifications.on(CHANNEL_CHANNEL, (snapshot: ChannelSnapshot) => pubsub.publish('channel', snapshot));
  subscriber.notifications.on(NOTIFICATION_CHANNEL, (signal: NotificationSignal) => pubsub.publish('notification', signal));
  subscriber.notifications.on(POST_ACTIVITY_CHANNEL, (event: PostActivityEvent) => pubsub.publish('postActivity', event));
  subscriber.notifications.on(SOURCE_IMPORT_CHANNEL, (signal: SourceImportSignal) => pubsub.publish('sourceImport', signal));
  subscriber.events.on('error', (error) => logger.error('delivery event listener failed', { error: error.message }));
  subscriber.events.on('reconnect', (attempt) => logger.warn('delivery event listener reconnecting', { attempt }));
  await subscriber.connect();
  await subscriber.listenTo(DELIVERY_CHANNEL);
  await subscriber.listenTo(CHANNEL_CHANNEL);
  await subscriber.listenTo(NOTIFICATION_CHANNEL);
  await subscriber.listenTo(POST_ACTIVITY_CHANNEL);
  await subscriber.listenTo(SOURCE_IMPORT_CHANNEL);
  return {
    subscribe: (f) =>
      pipe(
        pubsub.subscribe('delivery'),
        filter((s: DeliverySnapshot) => s.workspaceId === f.workspaceId && (!f.postId || s.postId === f.postId) && (!f.channelId || s.channelId === f.channelId)),
      ),
    subscribeChannels: (f) =>
      pipe(
        pubsub.subscribe('channel'),
        filter((s: ChannelSnapshot) => s.workspaceId === f.workspaceId && (!f.channelId || s.id === f.channelId)),
      ),
    subscribePostActivity: (f) =>
      pipe(
        pubsub.subscribe('postActivity'),
        filter((e: PostActivityEvent) => e.workspaceId === f.workspaceId && (!f.postId || e.postId === f.postId)),
      ),
    subscribeNotifications: (f) =>
      pipe(
        pubsub.subscribe('notification'),
        filter((s: NotificationSignal) => s.workspaceId === f.workspaceId && s.userId === f.userId),
      ),
    subscribeSourceImports: (f) =>
      pipe(
        pubsub.subscribe('sourceImport'),
        filter((s: SourceImportSignal) => s.workspaceId === f.workspaceId && s.sourceId === f.sourceId),
      ),
    close: () => subscriber.close(),
  };
}
