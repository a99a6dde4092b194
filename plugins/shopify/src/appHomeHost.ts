// What the store owner's page (/shopify/app) gets from PostFlow through the host: the shop's source as the page shows
// it, and its writes, each the same service the API uses (src/services/shopifyAppHome.ts builds these).
import type { SourceRules } from '../../../src/domain/sourceRules.js';

export interface AppHomeView {
  source: { id: string; name: string; externalId: string; status: string; rules: SourceRules; heldDeliveries: number };
  channels: { id: string; name: string; platform: string; paused: boolean; needsReconnect: boolean }[];
  /** Newest first. */
  items: { externalId: string; title: string; published: boolean }[];
  lastImport: {
    status: string;
    exportedObjects: number;
    seen: number;
    processed: number;
    postsCreated: number;
    skipped: number;
    errors: number;
    lastError: string | null;
    startedAt: Date;
    finishedAt: Date | null;
  } | null;
  /** Newest first. */
  events: { eventId: string; change: string; itemExternalId: string | null; outcome: string; reason: string; receivedAt: Date }[];
  /** The access the shop has not granted for what its rules ask (read_inventory for back-in-stock posts). */
  missingScopes: string[];
}

export interface PostPreview {
  channelName: string;
  platform: string;
  text: string;
  fits: boolean;
  droppedHashtags: number;
  droppedWords: number;
}

export interface AppHomeHost {
  /** HMAC-SHA256 (base64url) of `message` with the server's page key: the key itself never reaches the plugin. */
  mac(message: string): string;
  view(sourceId: string): Promise<AppHomeView | null>;
  /** updateSource's checks (ValidationError with each issue's path, templates with line and column) and audit. */
  saveRules(sourceId: string, rules: unknown): Promise<void>;
  /** previewSourcePost: under the stored rules, or under draft rules checked like a save. */
  preview(sourceId: string, itemId: string, draftRules?: unknown): Promise<PostPreview[]>;
  /** importCatalog: the new import's id; CONFLICT while one runs. */
  startImport(sourceId: string): Promise<string>;
}
