// The FEED connector's knowledge (issue 14, section 2): an RSS 2.0 or Atom feed fetched with a conditional GET
// (If-None-Match / If-Modified-Since) through the guarded transport, so the URL a user gave is held to the outbound
// policy on every hop, and its entries read by feedsmith into SourceItems. Its items come from the poll
// (src/services/feedSources.ts), so the connector's fetchItem answers the item the change carries.
import { createHash } from 'node:crypto';
import { parseFeed } from 'feedsmith';
import type { ItemImage, SourceItem } from '../domain/sourceItems.js';
import type { OutboundPolicy } from '../security/outbound/policy.js';
import { exchange } from '../integrations/transport.js';
import type { FetchedItem, SourceConnector } from './types.js';
import { htmlToText } from '../templates/text.js';

/** A feed is a window of recent entries: far below this. */
export const MAX_FEED_BYTES = 5 * 1024 * 1024;
const MAX_TEXT = 2_000;
const MAX_ID = 500;

export function createFeedConnector(): SourceConnector {
  return { kind: 'FEED', itemKind: 'ARTICLE', fetchItem: async (_source, _externalId, change) => change?.item ?? null };
}

export interface FeedValidators {
  etag: string | null;
  lastModified: string | null;
}

export type FeedAnswer = { changed: false } | { changed: true; validators: FeedValidators; entries: FeedEntry[] };

export interface FeedEntry {
  /** The entry's guid (RSS) or id (Atom), else its link: what makes it the same entry in the next poll. */
  externalId: string;
  fetched: FetchedItem;
}

/** A feed that cannot be read: the poll records it as the source's ERROR event and tries again at the next one. */
export class FeedFailure extends Error {
  override name = 'FeedFailure';
}

export async function fetchFeed(url: string, validators: FeedValidators, options: { outbound: OutboundPolicy; timeoutMs: number; userAgent: string }): Promise<FeedAnswer> {
  const headers: Record<string, string> = {
    accept: 'application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5',
    'user-agent': options.userAgent,
    ...(validators.etag && { 'if-none-match': validators.etag }),
    ...(validators.lastModified && { 'if-modified-since': validators.lastModified }),
  };
  let answer;
  try {
    answer = await exchange('GET', url, headers, undefined, options.timeoutMs, { outbound: options.outbound, maxBytes: MAX_FEED_BYTES });
  } catch (error) {
    throw new FeedFailure(`the feed could not be fetched: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (answer.status === 304) return { changed: false };
  if (answer.status < 200 || answer.status > 299) throw new FeedFailure(`the feed answered HTTP ${answer.status}`);
  const text = decodeFeed(answer.body, answer.headers.get('content-type'));
  let parsed: ReturnType<typeof parseFeed>;
  try {
    parsed = parseFeed(text);
  } catch (error) {
    throw new FeedFailure(`not an RSS or Atom feed: ${error instanceof Error ? error.message : String(error)}`);
  }
  const entries = parsed.format === 'atom' ? atomEntries(parsed.feed as AtomLike) : parsed.format === 'rss' ? rssEntries(parsed.feed as RssLike) : null;
  if (!entries) throw new FeedFailure(`a ${parsed.format} feed: PostFlow reads RSS 2.0 and Atom`);
  return { changed: true, validators: { etag: answer.headers.get('etag'), lastModified: answer.headers.get('last-modified') }, entries: unique(entries) };
}

/**
 * The feed's bytes as text, in the charset its Content-Type names, else its XML declaration's encoding, else UTF-8
 * (RFC 7303's order). TextDecoder knows the WHATWG encodings: latin1 / ISO-8859-1 read as windows-1252, as browsers do.
 */
export function decodeFeed(body: Buffer, contentType: string | null): string {
  const declaration = /^(?:\uFEFF)?\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([\w.:-]{1,40})["']/i.exec(body.subarray(0, 300).toString('latin1'));
  const charset = /;\s*charset\s*=\s*"?([\w.:-]{1,40})/i.exec(contentType ?? '')?.[1] ?? declaration?.[1] ?? 'utf-8';
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset.toLowerCase());
  } catch {
    throw new FeedFailure(`the feed's charset "${charset}" is not one PostFlow reads`);
  }
  return decoder.decode(body);
}

// What PostFlow reads of feedsmith's shapes (RssFeed / AtomFeed), narrowed.
type Text = string | { value?: string } | undefined;
interface RssLike {
  link?: string;
  items?: {
    title?: string;
    link?: string;
    description?: string;
    guid?: { value?: string } | string;
    pubDate?: string;
    categories?: { name?: string }[];
    enclosures?: { url?: string; type?: string }[];
    authors?: (string | { name?: string })[];
    dc?: { creators?: string[]; creator?: string };
  }[];
}
interface AtomLike {
  entries?: {
    id?: string;
    title?: Text;
    summary?: Text;
    content?: Text;
    links?: { href?: string; rel?: string; type?: string }[];
    published?: string;
    updated?: string;
    authors?: { name?: string }[];
    categories?: { term?: string; label?: string }[];
  }[];
}

function rssEntries(feed: RssLike): FeedEntry[] {
  return (feed.items ?? []).flatMap((i) => {
    const guid = typeof i.guid === 'string' ? i.guid : i.guid?.value;
    const id = (guid || i.link || '').trim();
    if (!id) return [];
    const images = (i.enclosures ?? []).filter((e) => e.url && e.type?.startsWith('image/')).map((e): ItemImage => ({ url: e.url! }));
    const author = i.authors?.map((a) => (typeof a === 'string' ? a : a.name)).find(Boolean) ?? i.dc?.creators?.[0] ?? i.dc?.creator ?? '';
    return [entry(id, { title: i.title, url: i.link, summary: i.description, images, author, categories: (i.categories ?? []).map((c) => c.name ?? ''), date: i.pubDate })];
  });
}

function atomEntries(feed: AtomLike): FeedEntry[] {
  return (feed.entries ?? []).flatMap((e) => {
    const link = e.links?.find((l) => !l.rel || l.rel === 'alternate')?.href;
    const id = (e.id || link || '').trim();
    if (!id) return [];
    const images = (e.links ?? []).filter((l) => l.rel === 'enclosure' && l.href && l.type?.startsWith('image/')).map((l): ItemImage => ({ url: l.href! }));
    return [
      entry(id, {
        title: textOf(e.title),
        url: link,
        summary: textOf(e.summary) || textOf(e.content),
        images,
        author: e.authors?.[0]?.name ?? '',
        categories: (e.categories ?? []).map((c) => c.label || c.term || ''),
        date: e.published ?? e.updated,
      }),
    ];
  });
}

function entry(rawId: string, e: { title?: string; url?: string; summary?: string; images: ItemImage[]; author: string; categories: string[]; date?: string }): FeedEntry {
  const externalId = rawId.length > MAX_ID ? `sha256:${createHash('sha256').update(rawId).digest('hex')}` : rawId;
  const excerpt = plainText(e.summary ?? '').slice(0, MAX_TEXT);
  const url = e.url && /^https?:\/\//i.test(e.url.trim()) ? e.url.trim() : null;
  const item: SourceItem = {
    kind: 'ARTICLE',
    id: externalId,
    title: plainText(e.title ?? '').slice(0, 1000),
    url,
    description: excerpt,
    excerpt,
    images: e.images.filter((i) => /^https?:\/\//i.test(i.url)),
    tags: [],
    categories: e.categories.map((c) => c.trim()).filter(Boolean),
    author: e.author.trim(),
  };
  const date = e.date ? new Date(e.date) : null;
  return { externalId, fetched: { item, state: { published: true, inStock: true, onSale: false }, publishedAt: date && !Number.isNaN(date.getTime()) ? date : null } };
}

/** One entry per id, the first as the feed lists it (a feed repeating a guid is one entry). */
function unique(entries: FeedEntry[]): FeedEntry[] {
  const seen = new Set<string>();
  return entries.filter((e) => !seen.has(e.externalId) && seen.add(e.externalId));
}

function textOf(text: Text): string {
  return typeof text === 'string' ? text : (text?.value ?? '');
}

/** A feed's HTML (descriptions are HTML once the XML is read) as one line of plain text. */
export function plainText(html: string): string {
  return htmlToText(html).replace(/\n/g, ' ');
}
