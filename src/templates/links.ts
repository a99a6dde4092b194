// UTM parameters on the links of a post, so a store's analytics can tell which network sent a visitor. Only links to
// the item's own site get them (a link to a supplier is theirs), and parameters already there are kept.
import { findUrls } from '../integrations/textLength.js';

export interface UtmSettings {
  /** utm_source: the network ("mastodon"). */
  source: string;
  /** utm_medium: "social" unless configured otherwise. */
  medium: string;
  /** utm_campaign: the source's name or what the rule says. */
  campaign: string;
}

/** `url` with UTM parameters, unless it is not http(s) or already names them. */
export function withUtm(url: string, utm: UtmSettings): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return url;
  const params = parsed.searchParams;
  for (const [name, value] of [
    ['utm_source', utm.source],
    ['utm_medium', utm.medium],
    ['utm_campaign', utm.campaign],
  ] as const) {
    if (!params.has(name) && value) params.set(name, value);
  }
  return parsed.toString();
}

/** Every link in `text` to `origin` (the item's site) with UTM parameters; other links untouched. */
export function addUtmToLinks(text: string, origin: string, utm: UtmSettings): string {
  let out = '';
  let cursor = 0;
  for (const span of findUrls(text)) {
    out += text.slice(cursor, span.start) + (sameOrigin(span.text, origin) ? withUtm(span.text, utm) : span.text);
    cursor = span.end;
  }
  return out + text.slice(cursor);
}

function sameOrigin(url: string, origin: string): boolean {
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}
