// HTML as the plain text a post is made of (a product's description, a feed entry's summary). Cut first, and every
// pattern linear (none can rescan the rest of the text from each '<'), so a hostile megabyte costs microseconds.

/** Enough HTML for a post's text; the rest is never looked at. */
export const MAX_HTML = 20_000;

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  rsquo: '’',
  lsquo: '‘',
  rdquo: '”',
  ldquo: '“',
};
const BLOCK = /<\/?(?:p|div|br|li|ul|ol|h[1-6]|tr|table|blockquote|section|article|header|footer)\b[^<>]*>/gi;

/** Scripts and styles dropped, blocks as line breaks (one line each, spaces tidied), tags out, entities decoded. */
export function htmlToText(html: string): string {
  return withoutScripts(html.slice(0, MAX_HTML))
    .replace(BLOCK, '\n')
    .replace(/<[^<>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{1,32});/gi, (whole, name: string) => {
      if (name[0] === '#') {
        const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return Number.isInteger(code) && code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : whole;
      }
      return ENTITIES[name.toLowerCase()] ?? whole;
    })
    .split('\n')
    .map((line) => line.replace(/[ \t\u00a0]+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
}

/** <script> and <style> elements dropped whole, by one scan (an unclosed one drops the rest). */
function withoutScripts(html: string): string {
  const lower = html.toLowerCase();
  const opening = /<(script|style)\b/g;
  let kept = '';
  let at = 0;
  for (let match = opening.exec(lower); match; match = opening.exec(lower)) {
    kept += `${html.slice(at, match.index)} `;
    const close = lower.indexOf(`</${match[1]}`, opening.lastIndex);
    const end = close === -1 ? -1 : lower.indexOf('>', close);
    at = end === -1 ? html.length : end + 1;
    opening.lastIndex = at;
  }
  return kept + html.slice(at);
}
