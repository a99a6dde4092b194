// A content source for tests: a connector registered in the running app's registry (kind SHOPIFY) whose fetchItem
// answers what the test set, and the steps a connector takes: install (createOrReconnectSource) and each webhook
// (enqueueSourceEvent), as plugins/shopify/ does them for real.
import { systemActor } from '../../src/domain/audit.js';
import type { SourceItem } from '../../src/domain/sourceItems.js';
import { createOrReconnectSource } from '../../src/services/sources.js';
import type { FetchedItem, ItemState, SourceConnector } from '../../src/sources/types.js';
import { enqueueSourceEvent } from '../../src/store/jobs.js';
import { eventually, type TestApp } from './testApp.js';

export interface FakeSource {
  connector: SourceConnector;
  /** What fetchItem answers for an item from now on (null: gone). */
  set(externalId: string, fetched: FetchedItem | null): void;
  /** The next `count` fetches fail as an unreachable store would. */
  failNext(count: number): void;
  fetches: string[];
}

export function installFakeSource(t: TestApp): FakeSource {
  const items = new Map<string, FetchedItem | null>();
  const fetches: string[] = [];
  let failures = 0;
  const connector: SourceConnector = {
    kind: 'SHOPIFY',
    itemKind: 'PRODUCT',
    async fetchItem(_source, externalId) {
      fetches.push(externalId);
      if (failures > 0) {
        failures--;
        throw new Error('the store did not answer (503)');
      }
      return items.get(externalId) ?? null;
    },
  };
  t.app.services.sources.register(connector);
  return {
    connector,
    set: (externalId, fetched) => void items.set(externalId, fetched),
    failNext: (count) => void (failures = count),
    fetches,
  };
}

let shops = 0;

/** Installs a new fake shop into the workspace of `token`, as a connector's install would. */
export async function connectFakeSource(t: TestApp, token: string, name = 'Linen & Co'): Promise<{ sourceId: string; workspaceId: string; shop: string }> {
  const workspaceId = (await t.ok<{ workspace: { id: string } }>(`{ workspace { id } }`, {}, token)).workspace.id;
  const shop = `shop-${process.pid}-${++shops}.myshopify.com`;
  const { sourceId } = await createOrReconnectSource(t.app.services, {
    workspaceId,
    kind: 'SHOPIFY',
    externalId: shop,
    name,
    credentials: { accessToken: 'shpat_test' },
    actor: systemActor(workspaceId),
  });
  return { sourceId, workspaceId, shop };
}

export function product(id: string, state: Partial<ItemState> = {}, item: Partial<SourceItem> = {}): FetchedItem {
  return {
    item: {
      kind: 'PRODUCT',
      id,
      title: 'Linen shirt',
      url: `https://linen.example.com/products/${id}`,
      description: 'A shirt of washed linen, cut loose, for warm days.',
      images: [{ url: `https://cdn.example.com/${id}.jpg` }],
      tags: ['summer', 'linen shirts'],
      price: { amount: '19.90', currency: 'EUR' },
      vendor: 'Linen & Co',
      productType: 'Shirts',
      ...item,
    },
    state: { published: true, inStock: true, onSale: false, ...state },
  };
}

/** A webhook's worth: the event queued for the source_event job. */
export async function sendEvent(t: TestApp, sourceId: string, eventId: string, externalId: string, options: { deleted?: boolean; changedAt?: Date } = {}) {
  await enqueueSourceEvent(t.app.database.pool, {
    sourceId,
    eventId,
    change: { kind: options.deleted ? 'DELETED' : 'UPSERTED', externalId, changedAt: options.changedAt ?? new Date() },
  });
}

export interface EventRow {
  eventId: string;
  outcome: string;
  reason: string;
  postIds: string[];
}

/** Waits until the source has recorded `count` events with a final outcome (not ERROR), and returns all of them, oldest first. */
export function waitForEvents(t: TestApp, token: string, sourceId: string, count: number, what = `${count} events`): Promise<EventRow[]> {
  return eventually(
    async () => {
      const data = await t.ok<{ sourceEvents: { edges: { node: EventRow }[] } }>(
        `query($id: ID!) { sourceEvents(sourceId: $id, first: 100) { edges { node { eventId outcome reason postIds } } } }`,
        { id: sourceId },
        token,
      );
      const events = data.sourceEvents.edges.map((e) => e.node).reverse();
      return events.filter((e) => e.outcome !== 'ERROR').length >= count ? events : undefined;
    },
    20_000,
    what,
  );
}

/** Replaces a source's rules (as an ADMIN would, through the API). */
export async function setRules(t: TestApp, token: string, sourceId: string, rules: Record<string, unknown>) {
  return t.ok(`mutation($id: ID!, $input: UpdateSourceInput!) { updateSource(id: $id, input: $input) { id rules } }`, { id: sourceId, input: { rules } }, token);
}
