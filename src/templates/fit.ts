// A rendered post made to fit its network: links kept whole, whole hashtags dropped (from the last) before any word,
// then whole words from the end with an ellipsis where the cut is. Never a word cut in two. Pure: the caller says what
// fits (a network counts in its own way: src/integrations/contentRules.ts).
import { findUrls } from '../integrations/textLength.js';

export interface Fitted {
  text: string;
  /** False when even the kept links alone do not fit: the caller refuses the post, with the reason. */
  fits: boolean;
  droppedHashtags: number;
  droppedWords: number;
}

export const ELLIPSIS = '…';

type Piece = { kind: 'url' | 'hashtag' | 'word' | 'space'; text: string };

const HASHTAG = /^#[\p{L}\p{N}_]+$/u;
// Punctuation that reads wrong before an ellipsis ("Linen shirt, …").
const TRAILING = /[\s,;:.!?—–-]+$/u;

/**
 * `keep` says which links must stay (by default all): another link in the part cut off goes with it, whole, as a word
 * would (the item's own link is the one worth keeping; a care guide's is not worth a post of links).
 */
export function fitText(text: string, fits: (text: string) => boolean, keep: (url: string) => boolean = () => true): Fitted {
  if (fits(text)) return { text, fits: true, droppedHashtags: 0, droppedWords: 0 };
  const pieces = split(text, keep);
  const hashtags = indexesOf(pieces, 'hashtag');
  const words = indexesOf(pieces, 'word');
  // Dropping more never makes a text longer, so the fewest drops that fit are found by bisection.
  const withHashtags = (n: number) => build(pieces, new Set(hashtags.slice(hashtags.length - n)), new Set());
  const hashtagsDropped = fewest(hashtags.length, (n) => fits(withHashtags(n)));
  if (hashtagsDropped !== null) return { text: withHashtags(hashtagsDropped), fits: true, droppedHashtags: hashtagsDropped, droppedWords: 0 };
  const noHashtags = new Set(hashtags);
  const withWords = (n: number) => build(pieces, noHashtags, new Set(words.slice(words.length - n)));
  const wordsDropped = fewest(words.length, (n) => fits(withWords(n)));
  const dropped = wordsDropped ?? words.length;
  return { text: withWords(dropped), fits: wordsDropped !== null, droppedHashtags: hashtags.length, droppedWords: dropped };
}

/** The least n in 1..max for which ok(n) holds (ok is monotone), or null. */
function fewest(max: number, ok: (n: number) => boolean): number | null {
  if (max === 0 || !ok(max)) return null;
  let low = 1;
  let high = max;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (ok(middle)) high = middle;
    else low = middle + 1;
  }
  return low;
}

function split(text: string, keep: (url: string) => boolean): Piece[] {
  const pieces: Piece[] = [];
  let cursor = 0;
  const words = (part: string) => {
    for (const token of part.split(/(\s+)/u)) {
      if (!token) continue;
      pieces.push({ kind: /^\s+$/u.test(token) ? 'space' : HASHTAG.test(token) ? 'hashtag' : 'word', text: token });
    }
  };
  for (const url of findUrls(text)) {
    words(text.slice(cursor, url.start));
    pieces.push({ kind: keep(url.text) ? 'url' : 'word', text: url.text });
    cursor = url.end;
  }
  words(text.slice(cursor));
  return pieces;
}

const indexesOf = (pieces: Piece[], kind: Piece['kind']) => pieces.flatMap((piece, i) => (piece.kind === kind ? [i] : []));

/** The text without the dropped pieces: an ellipsis where words were cut, spacing tidied. */
function build(pieces: Piece[], droppedHashtags: Set<number>, droppedWords: Set<number>): string {
  let out = '';
  let cut = false;
  let afterUrl = false;
  pieces.forEach((piece, i) => {
    if (droppedHashtags.has(i)) return;
    if (droppedWords.has(i)) {
      // Words go from the end, so one ellipsis, at the first cut, says it (none when only links are left); glued to a
      // link it would become part of it.
      if (!cut && out.trim() !== '') out = afterUrl ? `${out.trimEnd()} ${ELLIPSIS}` : out.replace(TRAILING, '') + ELLIPSIS;
      cut = true;
      return;
    }
    if (piece.kind !== 'space') afterUrl = piece.kind === 'url';
    out += piece.text;
  });
  return out
    .replace(/[ \t]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
