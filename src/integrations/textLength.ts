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

/** Bytes of the text in UTF-8, which Bluesky's 3,000-byte limit and its facet offsets use. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Unicode code points ("é" as e + accent is 2; an emoji outside the BMP is 1). */
export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;

function isEmoji(grapheme: string): boolean {
  return EMOJI.test(grapheme);
}

// twitter-text's v3 configuration: what X's counter uses. Code points in these ranges (Latin, Greek, Cyrillic,
// Hebrew, Arabic, Devanagari... and some punctuation) weigh 1; everything else (CJK, most other scripts) weighs 2;
// an emoji sequence weighs 2 however many code points it joins; a URL weighs 23 whatever its length.
const X_LIGHT_RANGES: [number, number][] = [
  [0, 4351],
  [8192, 8205],
  [8208, 8223],
  [8242, 8247],
];
export const X_URL_WEIGHT = 23;

function xCodePointWeight(codePoint: number): number {
  return X_LIGHT_RANGES.some(([start, end]) => codePoint >= start && codePoint <= end) ? 1 : 2;
}

/** Length as X counts a post (twitter-text v3 weighted length), after NFC normalisation as X does. */
export function xWeightedLength(text: string): number {
  const normalized = text.normalize('NFC');
  let weight = 0;
  let cursor = 0;
  const weighPlain = (plain: string) => {
    for (const { segment } of segmenter.segment(plain)) {
      if (isEmoji(segment)) {
        weight += 2;
        continue;
      }
      for (const char of segment) weight += xCodePointWeight(char.codePointAt(0)!);
    }
  };
  for (const span of findUrls(normalized)) {
    weighPlain(normalized.slice(cursor, span.start));
    weight += X_URL_WEIGHT;
    cursor = span.end;
  }
  weighPlain(normalized.slice(cursor));
  return weight;
}

/** Length as Threads counts a post: one per character, except an emoji, which counts its UTF-8 bytes. */
export function threadsLength(text: string): number {
  let count = 0;
  for (const { segment } of segmenter.segment(text)) count += isEmoji(segment) ? utf8Length(segment) : 1;
  return count;
}
