// A bulk operation's result read as it downloads: the JSONL is one object per line, each product followed by its
// children (variants, images), which point back to it through __parentId. A product is complete when the next
// top-level line starts (or the file ends), and is handed out then: only one product and one line are held at a
// time, whatever the catalog's size; the body is never read whole. The URL comes from Shopify's own answer
// (bulkStatus: a signed link to Shopify's storage), not from a user, so it is fetched with Node's fetch (which
// streams; PostFlow's transport reads answers whole), after the outbound policy's check of where it leads.
import type { ItemImage } from '../../../src/domain/sourceItems.js';
import type { FetchedItem } from '../../../src/sources/types.js';
import type { ShopifyClient } from './client.js';
import { ShopifyApiError } from './errors.js';
import { fetchedItem, imageOf, shopifyProduct, variantOf, type ProductFields, type ShopifyProduct, type ShopifyVariant } from './products.js';

/** No line of Shopify's is near this; one that is would be held whole in memory. */
export const MAX_LINE_CHARS = 1024 * 1024;
/** The whole download's time limit unless the caller gives a signal: a large catalog is tens of MB. */
export const DOWNLOAD_TIMEOUT_MS = 15 * 60_000;

export interface BulkProduct extends FetchedItem {
  product: ShopifyProduct;
  /** Bytes of the file read so far, for progress. */
  bytesRead: number;
}

interface Pending {
  fields: ProductFields;
  images: ItemImage[];
  variants: ShopifyVariant[];
}

type Line = Record<string, unknown> & { __parentId?: string };

/** The products of a finished bulk operation's JSONL, one at a time, in the file's order. */
export async function* bulkProducts(client: ShopifyClient, url: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<BulkProduct> {
  const refused = await client.outbound.check(url);
  if (refused) throw new ShopifyApiError('download', `the bulk result was not downloaded: ${refused.message}`, false, { cause: refused });
  let response: Response;
  try {
    // No redirects: the URL was checked against the outbound policy, a hop it leads to would not be.
    response = await fetch(url, { redirect: 'error', signal: options.signal ?? AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
  } catch (error) {
    throw new ShopifyApiError('download', `the bulk result could not be downloaded: ${(error as Error).name}`, true, { cause: error });
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new ShopifyApiError('download', `the bulk result answered HTTP ${response.status}`, response.status >= 500 || response.status === 429);
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let bytesRead = 0;
  let partial = '';
  let pending: Pending | null = null;
  const finish = (done: Pending): BulkProduct => {
    const product = shopifyProduct(done.fields, done.images, done.variants);
    return { ...fetchedItem(product), product, bytesRead };
  };
  /** One line: a product starts (the previous one is complete), or a child joins the product before it. */
  const take = (text: string): BulkProduct | null => {
    if (text.trim() === '') return null;
    let line: Line;
    try {
      line = JSON.parse(text) as Line;
    } catch (error) {
      throw new ShopifyApiError('download', 'the bulk result has a line that is not JSON', false, { cause: error });
    }
    if (line.__parentId === undefined) {
      const done = pending;
      pending = { fields: line as unknown as ProductFields, images: [], variants: [] };
      return done ? finish(done) : null;
    }
    // Children of children (none in PostFlow's query) and orphans point elsewhere: skipped.
    if (!pending || line.__parentId !== pending.fields.id) return null;
    if ('price' in line) pending.variants.push(variantOf(line as unknown as Parameters<typeof variantOf>[0]));
    else if (typeof line.url === 'string') pending.images.push(imageOf(line as unknown as Parameters<typeof imageOf>[0]));
    return null;
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytesRead += value.byteLength;
      partial += decoder.decode(value, { stream: true });
      let start = 0;
      for (let newline = partial.indexOf('\n'); newline !== -1; newline = partial.indexOf('\n', start)) {
        const product = take(partial.slice(start, newline));
        start = newline + 1;
        if (product) yield product;
      }
      partial = partial.slice(start);
      if (partial.length > MAX_LINE_CHARS) throw new ShopifyApiError('download', `the bulk result has a line longer than ${MAX_LINE_CHARS} characters`, false);
    }
    const last = take(partial + decoder.decode());
    if (last) yield last;
    const final = pending as Pending | null;
    if (final) yield finish(final);
  } catch (error) {
    if (error instanceof ShopifyApiError) throw error;
    throw new ShopifyApiError('download', `the bulk result download failed: ${(error as Error).name}`, true, { cause: error });
  } finally {
    reader.releaseLock();
    await response.body.cancel().catch(() => {});
  }
}
