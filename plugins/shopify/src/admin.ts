// PostFlow's Admin GraphQL client: a direct POST through PostFlow's guarded transport (src/integrations/http.ts:
// one time limit, capped answers, the outbound policy), not the library's Graphql client, whose own retry loop
// knows nothing of the cost bucket. Shopify's limit is a leaky bucket of query cost: an answer's
// extensions.cost.throttleStatus says what is left and how fast it refills, and a THROTTLED answer is waited out
// for exactly (requested cost - available) / restoreRate seconds before the same query is sent again. 5xx and
// network failures are retried with backoff a few times; a 401 is ShopifyNeedsReconnect.
import { ClassifiedError, HttpFailure, TransportFailure, httpRequest } from '../../../src/integrations/http.js';
import type { FetchedItem } from '../../../src/sources/types.js';
import type { ShopifyClient } from './client.js';
import { ShopifyApiError, ShopifyNeedsReconnect } from './errors.js';
import { PRODUCT_SCALARS, fetchedItem, inventoryItemGid, productFromNode, productGid, type ProductNode } from './products.js';
import { topicEnum, type ApiWebhookTopic } from './webhooks.js';

export interface AdminSession {
  shop: string;
  accessToken: string;
}

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export interface QueryCost {
  requestedQueryCost: number;
  actualQueryCost: number | null;
  throttleStatus: ThrottleStatus;
}

export interface AdminOptions {
  /** Attempts for 5xx and network failures (THROTTLED answers are waited out separately). */
  maxAttempts?: number;
  /** How many THROTTLED answers in a row are waited out before giving up. */
  maxThrottleWaits?: number;
  /** The first backoff after a 5xx, doubled each time. */
  backoffMs?: number;
  /** Waiting, replaceable so tests can see the waits asked for. */
  sleep?: (ms: number) => Promise<void>;
}

interface GraphqlAnswer<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
  extensions?: { cost?: QueryCost };
}

const DEFAULTS = { maxAttempts: 4, maxThrottleWaits: 5, backoffMs: 500 };
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** How long to wait before a query of `requested` cost fits in the bucket again (a little margin for rounding). */
export function throttleWaitMs(requested: number, status: ThrottleStatus): number {
  const missing = Math.max(0, requested - status.currentlyAvailable);
  return Math.ceil((missing / Math.max(status.restoreRate, 1)) * 1000) + 50;
}

/** One GraphQL operation; resolves with its data (and the cost Shopify reported). */
export async function adminGraphql<T>(
  client: ShopifyClient,
  session: AdminSession,
  query: string,
  variables: Record<string, unknown> = {},
  options: AdminOptions = {},
): Promise<{ data: T; cost: QueryCost | null }> {
  const { maxAttempts, maxThrottleWaits, backoffMs } = { ...DEFAULTS, ...options };
  const sleep = options.sleep ?? realSleep;
  const operation = `Shopify Admin GraphQL of ${session.shop}`;
  let failures = 0;
  let throttled = 0;
  for (;;) {
    let answer: GraphqlAnswer<T>;
    try {
      const response = await httpRequest<GraphqlAnswer<T>>({
        method: 'POST',
        url: `${client.shopUrl(session.shop)}/admin/api/${client.settings.apiVersion}/graphql.json`,
        outbound: client.outbound,
        operation,
        timeoutMs: client.timeoutMs,
        headers: { 'X-Shopify-Access-Token': session.accessToken },
        json: { query, variables },
      });
      answer = response.body;
    } catch (error) {
      const retryable = classify(error, session.shop, operation);
      failures += 1;
      if (failures >= maxAttempts) throw new ShopifyApiError(retryable.kind, `${retryable.message} (after ${failures} attempts)`, true, { cause: error });
      await sleep(retryable.waitMs ?? backoffMs * 2 ** (failures - 1));
      continue;
    }
    const cost = answer.extensions?.cost ?? null;
    if (answer.errors?.some((e) => e.extensions?.code === 'THROTTLED')) {
      if (!cost) throw new ShopifyApiError('throttled', `${operation} was throttled without a cost to wait for`, true);
      if (cost.requestedQueryCost > cost.throttleStatus.maximumAvailable) {
        throw new ShopifyApiError('throttled', `${operation} costs ${cost.requestedQueryCost}, more than the shop's bucket holds (${cost.throttleStatus.maximumAvailable})`, false);
      }
      throttled += 1;
      if (throttled > maxThrottleWaits) throw new ShopifyApiError('throttled', `${operation} stayed throttled after ${maxThrottleWaits} waits`, true);
      await sleep(throttleWaitMs(cost.requestedQueryCost, cost.throttleStatus));
      continue;
    }
    if (answer.errors?.length) throw new ShopifyApiError('graphql', `${operation} failed: ${answer.errors.map((e) => e.message).join('; ')}`, false);
    if (answer.data === undefined) throw new ShopifyApiError('graphql', `${operation} answered no data`, false);
    return { data: answer.data, cost };
  }
}

/** A failed exchange: thrown at once when trying again cannot help, else what to retry with. */
function classify(error: unknown, shop: string, operation: string): { kind: 'server' | 'network'; message: string; waitMs?: number } {
  if (error instanceof HttpFailure) {
    if (error.status === 401) throw new ShopifyNeedsReconnect(shop, `${shop} refused PostFlow's access token (HTTP 401)`);
    if (error.status === 429) {
      const seconds = Number(error.headers.get('retry-after'));
      return { kind: 'server', message: `${operation} answered HTTP 429`, waitMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined };
    }
    if (error.status >= 500) return { kind: 'server', message: `${operation} answered HTTP ${error.status}` };
    const scope = error.status === 403 ? ' (an access scope the app lacks)' : '';
    throw new ShopifyApiError('graphql', `${operation} answered HTTP ${error.status}${scope}`, false, { cause: error });
  }
  if (error instanceof TransportFailure) return { kind: 'network', message: error.message };
  if (error instanceof ClassifiedError) throw new ShopifyApiError('network', error.message, false, { cause: error });
  throw error;
}

const PRODUCT_QUERY = `query PostFlowProduct($id: ID!) {
  product(id: $id) {
    ${PRODUCT_SCALARS}
    images(first: 10) { nodes { url altText width height } }
    variants(first: 50) { nodes { id price compareAtPrice inventoryQuantity } }
  }
}`;

/** The product as it is now, or null when the shop has no such product (deleted). */
export async function fetchProduct(client: ShopifyClient, session: AdminSession, id: string | number, options?: AdminOptions): Promise<FetchedItem | null> {
  const { data } = await adminGraphql<{ product: ProductNode | null }>(client, session, PRODUCT_QUERY, { id: productGid(id) }, options);
  return data.product ? fetchedItem(productFromNode(data.product)) : null;
}

/**
 * The product whose variant's stock an inventory item is (inventory_levels/update names only the item); null when the
 * shop has no such item, or it belongs to no variant any more. Needs the read_inventory scope.
 */
export async function fetchInventoryItemProduct(client: ShopifyClient, session: AdminSession, inventoryItemId: string | number, options?: AdminOptions): Promise<string | null> {
  const { data } = await adminGraphql<{ inventoryItem: { variant: { product: { id: string } } | null } | null }>(
    client,
    session,
    `query PostFlowInventoryItem($id: ID!) { inventoryItem(id: $id) { variant { product { id } } } }`,
    { id: inventoryItemGid(inventoryItemId) },
    options,
  );
  return data.inventoryItem?.variant?.product.id ?? null;
}

export interface UserError {
  field: string[] | null;
  message: string;
}

/**
 * Subscribes `address` to each topic the shop does not already send there; an existing subscription (listed, or
 * "already been taken" when two installs race) counts as done, so calling this again changes nothing.
 */
export async function registerWebhooks(
  client: ShopifyClient,
  session: AdminSession,
  address: string,
  topics: readonly ApiWebhookTopic[],
  options?: AdminOptions,
): Promise<{ created: ApiWebhookTopic[]; existing: ApiWebhookTopic[] }> {
  const { data } = await adminGraphql<{ webhookSubscriptions: { nodes: { topic: string; uri: string }[] } }>(
    client,
    session,
    `{ webhookSubscriptions(first: 100) { nodes { topic uri } } }`,
    {},
    options,
  );
  const held = new Set(data.webhookSubscriptions.nodes.map((s) => `${s.topic} ${s.uri}`));
  const created: ApiWebhookTopic[] = [];
  const existing: ApiWebhookTopic[] = [];
  for (const topic of topics) {
    const enumName = topicEnum(topic);
    if (held.has(`${enumName} ${address}`)) {
      existing.push(topic);
      continue;
    }
    const { data: answer } = await adminGraphql<{ webhookSubscriptionCreate: { userErrors: UserError[] } }>(
      client,
      session,
      `mutation PostFlowWebhook($topic: WebhookSubscriptionTopic!, $uri: String!) {
        webhookSubscriptionCreate(topic: $topic, webhookSubscription: { uri: $uri, format: JSON }) { webhookSubscription { id } userErrors { field message } }
      }`,
      { topic: enumName, uri: address },
      options,
    );
    const errors = answer.webhookSubscriptionCreate.userErrors;
    if (errors.length === 0) created.push(topic);
    else if (errors.every((e) => /already been taken/i.test(e.message))) existing.push(topic);
    else throw new ShopifyApiError('userErrors', `subscribing to ${topic} failed: ${errors.map((e) => e.message).join('; ')}`, false);
  }
  return { created, existing };
}

/** The bulk query of a whole catalog: each product's fields, then its images and variants as lines of their own. */
export const BULK_PRODUCTS_QUERY = `{ products { edges { node { ${PRODUCT_SCALARS}
  images { edges { node { url altText width height } } }
  variants { edges { node { id price compareAtPrice inventoryQuantity } } } } } } }`;

export interface BulkOperation {
  id: string;
  status: 'CREATED' | 'RUNNING' | 'COMPLETED' | 'CANCELING' | 'CANCELED' | 'EXPIRED' | 'FAILED';
  errorCode: string | null;
  /** Lines written so far (products and their children): progress while it runs. */
  objectCount: number;
  /** The JSONL once COMPLETED (null when the catalog is empty). */
  url: string | null;
  partialDataUrl: string | null;
}

const BULK_FIELDS = 'id status errorCode objectCount url partialDataUrl';

/** Starts the catalog export. Shopify runs one bulk query per app and shop: another one running is a retryable error. */
export async function startBulkProducts(client: ShopifyClient, session: AdminSession, options?: AdminOptions): Promise<BulkOperation> {
  const { data } = await adminGraphql<{ bulkOperationRunQuery: { bulkOperation: RawBulk | null; userErrors: UserError[] } }>(
    client,
    session,
    `mutation PostFlowBulk($query: String!) { bulkOperationRunQuery(query: $query) { bulkOperation { ${BULK_FIELDS} } userErrors { field message } } }`,
    { query: BULK_PRODUCTS_QUERY },
    options,
  );
  const { bulkOperation, userErrors } = data.bulkOperationRunQuery;
  if (!bulkOperation) {
    const running = userErrors.some((e) => /already in progress/i.test(e.message));
    throw new ShopifyApiError('userErrors', `the catalog export did not start: ${userErrors.map((e) => e.message).join('; ')}`, running);
  }
  return bulkOf(bulkOperation);
}

export async function bulkStatus(client: ShopifyClient, session: AdminSession, id: string, options?: AdminOptions): Promise<BulkOperation | null> {
  const { data } = await adminGraphql<{ node: RawBulk | null }>(
    client,
    session,
    `query PostFlowBulkStatus($id: ID!) { node(id: $id) { ... on BulkOperation { ${BULK_FIELDS} } } }`,
    { id },
    options,
  );
  return data.node?.id ? bulkOf(data.node) : null;
}

type RawBulk = Omit<BulkOperation, 'objectCount'> & { objectCount: string | number };
const bulkOf = (raw: RawBulk): BulkOperation => ({ ...raw, objectCount: Number(raw.objectCount), errorCode: raw.errorCode ?? null, partialDataUrl: raw.partialDataUrl ?? null });
