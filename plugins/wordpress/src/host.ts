// What the WordPress routes get from PostFlow (src/app.ts builds it from the services): every connector's SourceHost,
// plus the site lookup by its key and the answers of /wordpress/ping and /wordpress/status. The plugin's TypeScript
// side imports no service or store; these are its only ways in.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ItemChange, SourceHost } from '../../../src/sources/types.js';

export interface WordPressSite {
  sourceId: string;
  workspaceId: string;
  status: 'ACTIVE' | 'UNINSTALLED' | 'DISCONNECTED';
  /** The Standard Webhooks secret ("whsec_..."), while the source is connected; null once disconnected. */
  signingSecret: string | null;
}

export interface ChannelSummary {
  id: string;
  name: string;
  network: string;
}

export interface PingAnswer {
  workspace: { id: string; name: string };
  source: { id: string; name: string; status: string };
  channels: ChannelSummary[];
}

export interface ItemDelivery {
  id: string;
  channel: ChannelSummary;
  status: string;
  scheduled_at: string | null;
  published_at: string | null;
  external_url: string | null;
  error: string | null;
}

export interface WordPressHost {
  sources: SourceHost;
  /** The source a site key names (looked up by the key's hash), or null for a key PostFlow never gave. */
  findSite(siteKey: string): Promise<WordPressSite | null>;
  /** Whether the source has handled this event id already (its redelivery answers `duplicate: true`). */
  handledEvent(sourceId: string, eventId: string): Promise<boolean>;
  /**
   * Queues an event for the source_event job, once per (source, event id) while queued: a repeat arriving before the
   * first is worked merges with it (the job key) instead of queuing another copy of its body.
   */
  queueEvent(event: { sourceId: string; eventId: string; change: ItemChange }): Promise<void>;
  /** The ids among `channelIds` that are no live channel of the source's workspace. */
  foreignChannels(sourceId: string, channelIds: string[]): Promise<string[]>;
  ping(sourceId: string): Promise<PingAnswer>;
  /** The deliveries of the posts each item made, by the site's item id (every id asked for is answered). */
  deliveries(sourceId: string, itemIds: string[]): Promise<Map<string, ItemDelivery[]>>;
  logger: PluginLogger;
}

/** PostFlow's logger as the plugin uses it (secrets are redacted there). */
export interface PluginLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A route as PostFlow's route table takes it (src/server/routes.ts), without importing the server. */
export interface PluginRoute {
  path: string;
  methods?: readonly string[];
  handle: (request: IncomingMessage, response: ServerResponse) => unknown;
}
