// The Shopify connector's catalog import (SourceConnector.importItems): one bulkOperationRunQuery over products,
// polled with backoff until COMPLETED (bulk_operations/finish, when it reaches this process, cuts a wait short), then
// its JSONL streamed a product at a time (bulk.ts). A retried import passes the operation it started before
// (resumeFrom): one still running is waited for, one COMPLETED is read again, one that failed or expired is replaced
// by a new one. Shopify runs one bulk query per app and shop, so "already in progress" is a retryable error.
import type { FetchedItem, ImportOptions } from '../../../src/sources/types.js';
import { bulkStatus, startBulkProducts, type AdminOptions, type AdminSession, type BulkOperation } from './admin.js';
import { bulkProducts } from './bulk.js';
import type { ShopifyClient } from './client.js';
import { ShopifyApiError } from './errors.js';

export interface BulkWaitOptions {
  /** The first wait between two status polls, doubled up to maxPollMs. */
  firstPollMs?: number;
  maxPollMs?: number;
  /** How long an export may take before the try gives up (the job is tried again, resuming it). */
  timeoutMs?: number;
}

const WAITS = { firstPollMs: 500, maxPollMs: 10_000, timeoutMs: 6 * 3600_000 };

/** Operations some import of this process waits for, by client: bulk_operations/finish wakes them. */
const waiting = new WeakMap<ShopifyClient, Map<string, Set<() => void>>>();

/** bulk_operations/finish: an import of this process waiting on the operation polls it now instead of after its wait. */
export function bulkFinished(client: ShopifyClient, operationId: string): boolean {
  const wakers = waiting.get(client)?.get(operationId);
  for (const wake of wakers ?? []) wake();
  return !!wakers?.size;
}

function pause(client: ShopifyClient, operationId: string, ms: number): Promise<void> {
  let byOperation = waiting.get(client);
  if (!byOperation) waiting.set(client, (byOperation = new Map()));
  const wakers = byOperation.get(operationId) ?? new Set<() => void>();
  byOperation.set(operationId, wakers);
  return new Promise<void>((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      wakers.delete(wake);
      if (!wakers.size) byOperation.delete(operationId);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    wakers.add(wake);
  });
}

/** The finished operation whose JSONL holds the catalog (its url null when the catalog is empty). */
async function completedOperation(
  client: ShopifyClient,
  session: () => Promise<AdminSession>,
  options: ImportOptions,
  admin: AdminOptions | undefined,
  waits: Required<BulkWaitOptions>,
): Promise<BulkOperation> {
  let operation = options.resumeFrom ? await bulkStatus(client, await session(), options.resumeFrom, admin) : null;
  const usable = (o: BulkOperation | null) => o && (o.status === 'CREATED' || o.status === 'RUNNING' || o.status === 'COMPLETED');
  if (!usable(operation)) operation = await startBulkProducts(client, await session(), admin);
  let current = operation!;
  const deadline = Date.now() + waits.timeoutMs;
  let wait = waits.firstPollMs;
  for (;;) {
    await options.onExport({ exportId: current.id, objects: current.objectCount });
    if (current.status === 'COMPLETED') return current;
    if (current.status !== 'CREATED' && current.status !== 'RUNNING') {
      throw new ShopifyApiError('bulk', `the catalog export ended ${current.status}${current.errorCode ? ` (${current.errorCode})` : ''}`, true);
    }
    if (Date.now() > deadline) throw new ShopifyApiError('bulk', `the catalog export was not done after ${Math.round(waits.timeoutMs / 60_000)} minutes`, true);
    await pause(client, current.id, wait);
    wait = Math.min(wait * 2, waits.maxPollMs);
    const next = await bulkStatus(client, await session(), current.id, admin);
    if (!next) throw new ShopifyApiError('bulk', `the catalog export ${current.id} is gone`, true);
    current = next;
  }
}

/** The whole catalog of the shop, one product at a time. */
export async function* importProducts(
  client: ShopifyClient,
  session: () => Promise<AdminSession>,
  options: ImportOptions,
  settings: { admin?: AdminOptions; waits?: BulkWaitOptions } = {},
): AsyncGenerator<FetchedItem> {
  const operation = await completedOperation(client, session, options, settings.admin, { ...WAITS, ...settings.waits });
  if (!operation.url) return; // an empty catalog has no file
  for await (const product of bulkProducts(client, operation.url, { signal: options.signal })) {
    yield { item: product.item, state: product.state };
  }
}
