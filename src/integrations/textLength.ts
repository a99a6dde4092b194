// Pure counting helpers: each platform measures "characters" differently and a post must be judged the
// way the platform will judge it, not by String.length.

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** User-perceived characters: "👩‍👩‍👧" and "é" (e + combining accent) are one each. */
export function graphemeLength(text: string): number {
  let count = 0;
  for (const _ of segmenter.segment(text)) count += 1;
  return count;
}

/** UTF-16 code units, which is what Telegram counts (an emoji outside the BMP is 2). */
export function utf16Length(text: string): number {
  return text.length;
}

// An http(s) URL runs until whitespace; trailing punctuation is usually the sentence's, not the URL's
// (twitter-text, which Mastodon uses, makes the same call).
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"]+/giu;
const TRAILING_PUNCTUATION = /[.,;:!?'")\]}]+$/u;

export interface TextSpan {
  start: number;
  end: number;
  text: string;
}

/** The http(s) URLs in a text, with UTF-16 offsets. */
export function findUrls(text: string): TextSpan[] {
  const spans: TextSpan[] = [];
  for (const match of text.matchAll(URL_PATTERN)) {
    let url = match[0];
    // Keep a closing parenthesis that balances one inside the URL (Wikipedia links).
    while (TRAILING_PUNCTUATION.test(url)) {
      const last = url[url.length - 1];
      if (last === ')' && count(url, '(') >= count(url, ')')) break;
      url = url.slice(0, -1);
    }
    if (!/^https?:\/\/[^/?#\s]*[\p{L}\p{N}]/iu.test(url)) continue;
    const start = match.index ?? 0;
    spans.push({ start, end: start + url.length, text: url });
  }
  return spans;
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

/** Replaces each URL span with a fixed-size placeholder, so the rest can be counted as plain text. */
export function replaceUrls(text: string, replacement: (url: string) => string): string {
  let out = '';
  let cursor = 0;
  for (const span of findUrls(text)) {
    out += text.slice(cursor, span.start) + replacement(span.text);
    cursor = span.end;
  }
  return out + text.slice(cursor);
}

/** The number of http(s) URLs in a text. */
export function countUrls(text: string): number {
  return findUrls(text).length;
}

// "@user@domain" where the mention starts at the beginning or after a non-word character, so e-mail
// addresses ("bob@example.com") are left alone.
const REMOTE_MENTION = /(^|[^\p{L}\p{N}_/@])@([\p{L}\p{N}_]+(?:[.-]+[\p{L}\p{N}_]+)*)@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;

/** Mastodon counts a remote mention "@user@domain" as "@user": the domain is free. */
export function stripMentionDomains(text: string): string {
  return text.replace(REMOTE_MENTION, (_match, before: string, user: string) => `${before}@${user}`);
}

/**
 * Length as Mastodon counts a status: grapheme clusters, every http(s) URL as `urlLength` characters
 * (23 unless the instance says otherwise), and remote mentions without their domain.
 */
export function mastodonLength(text: string, urlLength = 23): number {
  const placeholder = 'x'.repeat(urlLength);
  return graphemeLength(stripMentionDomains(replaceUrls(text, () => placeholder)));
}
