// The body of POST /wordpress/events (PROTOCOL.md), checked whole with zod, and what it means to the sources engine:
// an ItemChange carrying its item (WordPress sends the item with each event; there is nothing to fetch) and the
// author's choices from the editor panel. Unknown fields are ignored (a newer plugin may send more); every refusal
// names the field's path and the rule it breaks.
import { z } from 'zod';
import { PLATFORM_NAMES, type PlatformName } from '../../../src/domain/platforms.js';
import type { ItemImage, Money, SourceItem } from '../../../src/domain/sourceItems.js';
import type { FetchedItem, ItemChange, ItemPostChoices } from '../../../src/sources/types.js';

export const EVENT_TYPES = ['item.published', 'item.updated', 'item.unpublished', 'item.deleted', 'item.share'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const MAX_CHANNELS = 50;
const MAX_GALLERY = 50;

const isoInstant = z.iso.datetime({ offset: true, error: 'an ISO 8601 date and time, as 2026-12-01T10:00:00Z' });
const webUrl = z.url({ protocol: /^https?$/, error: 'an http or https URL' }).max(2048);
/** WooCommerce gives amounts as decimal strings; "" where a product has none. */
const amount = z.string().regex(/^(\d{1,12}(\.\d{1,6})?)?$/, 'a decimal amount as "19.99", or ""');
const text = (max: number) => z.string().max(max);
const names = z.array(text(200)).max(100).default([]);

const image = z.object({
  url: webUrl,
  alt: text(1000).default(''),
  width: z.number().int().positive().nullish(),
  height: z.number().int().positive().nullish(),
});

const product = z.object({
  price: amount,
  regular_price: amount.default(''),
  sale_price: amount.default(''),
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 currency code, as EUR'),
  sku: text(200).default(''),
  in_stock: z.boolean(),
  stock_quantity: z.number().int().nullish(),
});

const item = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'WordPress\' post id as a string, as "123"'),
  post_type: z.string().regex(/^[a-z0-9_-]{1,40}$/, 'a post type name, as post'),
  title: text(1000),
  excerpt: text(10_000).default(''),
  url: webUrl,
  image: image.nullish(),
  gallery: z.array(image).max(MAX_GALLERY).default([]),
  categories: names,
  tags: names,
  author: text(200).default(''),
  status: z.string().regex(/^[a-z0-9_-]{1,40}$/, 'a post status, as publish'),
  published_at: isoInstant.nullish(),
  modified_at: isoInstant,
  product: product.nullish(),
});

const share = z
  .object({
    enabled: z.boolean().default(true),
    timing: z.enum(['QUEUE', 'NOW', 'AT']).default('QUEUE'),
    at: isoInstant.nullish(),
    channel_ids: z
      .array(z.uuid({ error: 'a PostFlow channel id' }))
      .max(MAX_CHANNELS)
      .default([]),
    // By network name; a name this PostFlow does not know (a newer plugin's, a network removed) is ignored, not refused.
    messages: z.record(z.string(), text(5000)).default({}),
    /** A counter kept by the plugin, as a string ("1", "2"...). */
    occurrence: z
      .string()
      .regex(/^[1-9]\d{0,8}$/, 'a positive whole number as a string, as "1"')
      .nullish(),
  })
  .superRefine((s, ctx) => {
    if (s.timing === 'AT' && !s.at) ctx.addIssue({ code: 'custom', path: ['at'], message: 'timing AT needs the time in "at"', params: { rule: 'required' } });
  });

const event = z
  .object({
    type: z.enum(EVENT_TYPES),
    occurred_at: isoInstant,
    item,
    share: share.default({ enabled: true, timing: 'QUEUE', channel_ids: [], messages: {} }),
  })
  .superRefine((e, ctx) => {
    if (e.type === 'item.share' && !e.share.occurrence) {
      ctx.addIssue({ code: 'custom', path: ['share', 'occurrence'], message: 'item.share needs its occurrence', params: { rule: 'required' } });
    }
  });

export type WordPressEvent = z.output<typeof event>;

export interface FieldIssue {
  path: string;
  rule: string;
  message: string;
}

export type Parsed = { ok: true; event: WordPressEvent } | { ok: false; fields: FieldIssue[] };

export function parseEvent(body: unknown): Parsed {
  const parsed = event.safeParse(body);
  if (parsed.success) return { ok: true, event: parsed.data };
  return { ok: false, fields: parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), rule: ruleOf(issue), message: issue.message })) };
}

/** A word for the rule an issue breaks, as PostFlow's GraphQL errors name them. */
function ruleOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'required' : 'type';
    case 'invalid_format':
      return issue.format === 'regex' ? 'format' : issue.format;
    case 'too_big':
      return 'max';
    case 'too_small':
      return 'min';
    case 'invalid_value':
    case 'invalid_key':
      return 'enum';
    case 'custom':
      return (issue.params?.rule as string | undefined) ?? 'custom';
    default:
      return issue.code;
  }
}

/** What the event says happened, for the sources engine, with the item it carries. */
export function itemChange(e: WordPressEvent): ItemChange {
  const changedAt = new Date(e.occurred_at);
  const published = e.type === 'item.published' || (e.type !== 'item.unpublished' && e.item.status === 'publish');
  // The publication itself carries no date: the event is the news (a post WordPress dates in the past is new here).
  const publishedAt = e.type === 'item.published' || !e.item.published_at ? null : new Date(e.item.published_at);
  const fetched: FetchedItem = { ...itemOf(e.item, published), publishedAt, choices: choicesOf(e.share) };
  const base = { externalId: e.item.id, changedAt, item: fetched };
  switch (e.type) {
    case 'item.deleted':
      return { ...base, kind: 'DELETED' };
    case 'item.share':
      return { ...base, kind: 'SHARED', occurrence: Number(e.share.occurrence) };
    case 'item.updated':
      return { ...base, kind: 'UPSERTED', edit: true };
    default:
      return { ...base, kind: 'UPSERTED' };
  }
}

function itemOf(i: WordPressEvent['item'], published: boolean): Pick<FetchedItem, 'item' | 'state'> {
  const images: ItemImage[] = [];
  for (const picture of [i.image, ...i.gallery]) {
    if (picture && !images.some((known) => known.url === picture.url)) {
      images.push({ url: picture.url, alt: picture.alt, ...(picture.width && { width: picture.width }), ...(picture.height && { height: picture.height }) });
    }
  }
  const base: SourceItem = {
    kind: i.product ? 'PRODUCT' : 'ARTICLE',
    id: i.id,
    title: i.title,
    url: i.url,
    description: i.excerpt,
    excerpt: i.excerpt,
    images,
    tags: i.tags,
    categories: i.categories,
    author: i.author,
    postType: i.post_type,
  };
  if (!i.product) return { item: base, state: { published, inStock: true, onSale: false } };
  const p = i.product;
  const money = (value: string): Money | undefined => (value === '' ? undefined : { amount: value, currency: p.currency });
  const price = money(p.price);
  const regular = money(p.regular_price);
  // On sale as Shopify's compare-at: a sale price in force, below the regular price.
  const onSale = p.sale_price !== '' && regular !== undefined && price !== undefined && Number(regular.amount) > Number(price.amount);
  const item: SourceItem = {
    ...base,
    ...(price && { price }),
    ...(regular && { regularPrice: regular }),
    ...(onSale && { compareAtPrice: regular, salePrice: money(p.sale_price) }),
    ...(p.sku && { sku: p.sku }),
    inStock: p.in_stock,
  };
  return { item, state: { published, inStock: p.in_stock, onSale } };
}

const KNOWN_NETWORKS: ReadonlySet<string> = new Set(PLATFORM_NAMES);

function choicesOf(s: WordPressEvent['share']): ItemPostChoices {
  const messages: Partial<Record<PlatformName, string>> = {};
  for (const [network, message] of Object.entries(s.messages)) {
    if (KNOWN_NETWORKS.has(network) && message?.trim()) messages[network as PlatformName] = message;
  }
  const timing: ItemPostChoices['timing'] = s.timing === 'NOW' ? { mode: 'IMMEDIATE' } : s.timing === 'AT' ? { mode: 'AT', at: new Date(s.at!).toISOString() } : null;
  return { share: s.enabled, channelIds: [...new Set(s.channel_ids)], messages, timing };
}
