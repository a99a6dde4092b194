// Content sources (issue 13): a connected store or site whose items become posts. One narrow interface per kind of
// connector, as src/integrations/types.ts is for networks: a connector knows its store's API, payloads and quirks
// (Shopify's GraphQL Admin API, WordPress' REST API); nothing past it does. The services see SourceItem, ItemState
// and ItemChange only.
//
// A connector's side of the work (plugins/shopify/ for Shopify), through the SourceHost below, which the composition
// root builds from the services (createSourceHost, src/services/sources.ts) and hands to the plugin:
// - install: host.install with the store's id and its credentials (a new source, or the same one reconnected);
// - each webhook: check it, then host.receive({ sourceId, eventId, change }), and answer at once;
// - the source_event job then calls fetchItem below and hands the answer to ingestItemChange
//   (src/services/sourcePosts.ts), which decides, records and makes the posts.
import type { Actor } from '../domain/audit.js';
import type { ItemKind, SourceItem } from '../domain/sourceItems.js';
import type { PlatformName } from '../domain/platforms.js';

export const SOURCE_KINDS = ['SHOPIFY', 'WORDPRESS', 'FEED'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/**
 * What happened to an item, as the store told it (a webhook) or as an import found it. SHARED: someone asked the store
 * to share the item (again) now, whatever was posted before (WordPress' item.share).
 */
export const ITEM_CHANGE_KINDS = ['UPSERTED', 'DELETED', 'SHARED'] as const;
export type ItemChangeKind = (typeof ITEM_CHANGE_KINDS)[number];

export interface ItemChange {
  kind: ItemChangeKind;
  /** The store's id of the item. */
  externalId: string;
  /** When the store says the change happened (Shopify's X-Shopify-Triggered-At): an older one than stored is stale. */
  changedAt: Date;
  /**
   * The item as the store sent it with the change, for stores whose events carry their items (WordPress' plugin, a
   * feed's poll): queued with the event, and what their connector's fetchItem answers, as there is nothing to fetch
   * from. Carried through the job's JSON payload, so a retried job sees the same item.
   */
  item?: FetchedItem;
  /** SHARED: the store's number of this request to share the item (1, 2, 3... per item): one post per number. */
  occurrence?: number;
  /**
   * The store says this is an edit, never a publication (WordPress' item.updated, a feed's first poll): an item first
   * seen through one is known from then on, with no PUBLISHED post.
   */
  edit?: boolean;
}

/**
 * How an item's author wants it shared, as the store keeps it beside the item (WordPress' editor panel). The source's
 * rules decide all the rest.
 */
export interface ItemPostChoices {
  /** false: the item's events make no post (recorded IGNORED, saying so). */
  share: boolean;
  /** Not empty: its posts go to these channels of the source's workspace instead of the rules' channels. */
  channelIds: string[];
  /** The author's own text per network, used instead of the template on that network's channels. */
  messages: Partial<Record<PlatformName, string>>;
  /** null: the rules' timing. IMMEDIATE: at once. AT: at `at` (ISO 8601; at once if that has passed). */
  timing: { mode: 'IMMEDIATE' } | { mode: 'AT'; at: string } | null;
}

/**
 * An item's state as far as posting rules care: each rule event fires on a transition of these (published for the
 * first time, back in stock, on sale), judged against the state stored before.
 */
export interface ItemState {
  /** Public: a product ACTIVE and on the online store, an article published. */
  published: boolean;
  inStock: boolean;
  /** A compare-at price above the price. */
  onSale: boolean;
}

/** The sealed credentials of a source, opaque to everything but its connector. */
export type SourceCredentials = Record<string, unknown>;

export interface FetchedItem {
  item: SourceItem;
  state: ItemState;
  /**
   * When the store first made the item public, if it says. An item PostFlow first hears of through a webhook that was
   * public before the source was connected is old news (an edit of a product from last year), not a new item: the
   * catalog import is what posts those, on purpose.
   */
  publishedAt?: Date | null;
  /** The author's choices for this item's posts, where the store has them. */
  choices?: ItemPostChoices;
}

/** The source as its connector needs it to talk to the store. */
export interface ConnectedSource {
  id: string;
  /** The shop's myshopify.com domain, or the site's URL. */
  externalId: string;
  credentials: SourceCredentials;
}

export interface SourceConnector {
  kind: SourceKind;
  /** What its items are: the template fields a rule may use follow from it (src/templates/fields.ts). */
  itemKind: ItemKind;
  /**
   * The item as it is now, fetched from the store (a webhook may lack images); null when it is gone. Throws when the
   * store cannot be reached: the job is retried. `change` is the event's: a connector whose events carry their item
   * answers `change.item`.
   */
  fetchItem(source: ConnectedSource, externalId: string, change?: ItemChange): Promise<FetchedItem | null>;
  /**
   * The whole catalog, for importCatalog (src/services/sourceImports.ts): every item as it is now, one at a time,
   * streamed (never the catalog in memory). Optional: a connector without it cannot import. Throws when the store
   * fails; the import job is tried again and calls this anew with `resumeFrom`.
   */
  importItems?(source: ConnectedSource, options: ImportOptions): AsyncIterable<FetchedItem>;
  /**
   * For a change queued under something other than its item (Shopify's inventory_levels/update names an inventory
   * item): the change of the item it concerns, looked up in the store, or null when it concerns none any more. Called
   * by the source_event job before fetchItem; without it, a change's externalId is its item's.
   */
  resolveChange?(source: ConnectedSource, change: ItemChange): Promise<ItemChange | null>;
  /** The access the stored grant lacks for these rule events (Shopify: read_inventory for BACK_IN_STOCK); shown on the source. */
  missingScopes?(credentials: SourceCredentials, events: readonly string[]): string[];
}

export interface ImportOptions {
  /** The export id an earlier try of the same import reported through onExport: continued instead of started anew. */
  resumeFrom: string | null;
  /** While the store prepares its export: its id (kept for resumeFrom) and how many objects it has written so far. */
  onExport(progress: { exportId: string; objects: number }): Promise<void>;
  signal?: AbortSignal;
}

export interface SourceInstallRequest {
  workspaceId: string;
  kind: SourceKind;
  /** The shop's myshopify.com domain, or the site's URL. */
  externalId: string;
  name: string;
  credentials: SourceCredentials;
  /** Who installed it (the signed-in owner), or systemActor(workspaceId) for a re-install the store started. */
  actor: Actor;
}

/** What PostFlow offers a connector's routes (a plugin imports no service or store: src/app.ts hands it this). */
export interface SourceHost {
  /** A new source (PLAN_LIMIT past the plan's `sources`), or the store's existing one active again (CONFLICT if another workspace has it). */
  install(request: SourceInstallRequest): Promise<{ sourceId: string; reconnected: boolean }>;
  /** The live source of a store, whichever workspace has it (a webhook names its shop). */
  findByStore(kind: SourceKind, externalId: string): Promise<{ id: string; workspaceId: string; status: 'ACTIVE' | 'UNINSTALLED' | 'DISCONNECTED' } | null>;
  /** Renewed credentials (a rotated refresh token), sealed and stored in one write. */
  saveCredentials(sourceId: string, credentials: SourceCredentials): Promise<void>;
  /**
   * Renews a source's credentials one process at a time (rotating refresh tokens die once spent): under the source's
   * row lock, `renew` gets the credentials as stored now (another process may have just renewed them) and answers the
   * new ones, which are stored before the lock is let go, or null to keep them. Answers the credentials in force.
   */
  renewCredentials(sourceId: string, renew: (current: SourceCredentials) => Promise<SourceCredentials | null>): Promise<SourceCredentials>;
  /** shop/redact: the source, its items, events and occurrences deleted; the audit trail keeps only its id. */
  erase(sourceId: string): Promise<void>;
  /** Queues one event for the source_event job; every delivery of an event is recorded (a repeat as DUPLICATE). */
  receive(event: { sourceId: string; eventId: string; change: ItemChange }): Promise<void>;
}
