// Bluesky rich text: a post's links and hashtags are not parsed from its text by the app view; the record carries them
// as facets whose index is a range of UTF-8 bytes (docs.bsky.app "Links, mentions, and rich text"), while JavaScript
// strings are UTF-16. One emoji before a link shifts it by 4 bytes but 2 units: getting this wrong makes the link
// highlight the wrong characters.
import { findUrls, utf8Length } from './textLength.js';

export interface Facet {
  index: { byteStart: number; byteEnd: number };
  features: ({ $type: 'app.bsky.richtext.facet#link'; uri: string } | { $type: 'app.bsky.richtext.facet#tag'; tag: string })[];
}

/** The UTF-8 byte offset of a UTF-16 offset in `text`. */
export function utf8Offset(text: string, utf16Offset: number): number {
  return utf8Length(text.slice(0, utf16Offset));
}

// A hashtag as the Bluesky app detects one: "#" after the start or whitespace, up to the next whitespace, without
// trailing punctuation, not only digits ("#1" is a number), at most 64 characters (the lexicon's limit for a tag).
const HASHTAG = /(^|\s)[#\uFF03]([^\s#\uFF03]+)/gu;
const TRAILING_PUNCTUATION = /\p{P}+$/u;

/** Link facets for every http(s) URL and tag facets for every hashtag, sorted by position. */
export function detectFacets(text: string): Facet[] {
  const facets: Facet[] = [];
  const links = findUrls(text);
  for (const span of links) {
    facets.push({
      index: { byteStart: utf8Offset(text, span.start), byteEnd: utf8Offset(text, span.end) },
      features: [{ $type: 'app.bsky.richtext.facet#link', uri: span.text }],
    });
  }
  for (const match of text.matchAll(HASHTAG)) {
    const tag = match[2]!.replace(TRAILING_PUNCTUATION, '');
    if (tag === '' || /^\d+$/.test(tag) || tag.length > 64) continue;
    const start = (match.index ?? 0) + match[1]!.length;
    const end = start + 1 + tag.length;
    facets.push({
      index: { byteStart: utf8Offset(text, start), byteEnd: utf8Offset(text, end) },
      features: [{ $type: 'app.bsky.richtext.facet#tag', tag }],
    });
  }
  return facets.sort((a, b) => a.index.byteStart - b.index.byteStart);
}

const S32 = '234567abcdefghijklmnopqrstuvwxyz';
let lastMicros = 0n;

/**
 * A TID (atproto.com/specs/tid): 53 bits of microseconds since the epoch and 10 bits of clock id, as 13 sortable
 * base32 characters. Posts use one as their record key, so choosing it ourselves keeps the key a valid post key.
 */
export function nextTid(now: number = Date.now()): string {
  let micros = BigInt(now) * 1000n;
  // Two keys chosen in the same millisecond must still differ and sort in order.
  if (micros <= lastMicros) micros = lastMicros + 1n;
  lastMicros = micros;
  const clockId = BigInt(Math.floor(Math.random() * 1024));
  let value = (micros << 10n) | clockId;
  let out = '';
  for (let i = 0; i < 13; i += 1) {
    out = S32[Number(value & 31n)]! + out;
    value >>= 5n;
  }
  return out;
}

/** The claims of a JWT, read without checking its signature (the PDS checks it; we only want `exp`). */
export function jwtClaims(token: string): Record<string, unknown> | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
