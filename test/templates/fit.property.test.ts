// Fitting a rendered post to its network, for any text and any limit: the result fits (or says it cannot), links
// survive whole, no word is cut in two, hashtags go before words, and a text that fits is left alone.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ELLIPSIS, fitText } from '../../src/templates/fit.js';
import { findUrls, graphemeLength } from '../../src/integrations/textLength.js';

const word = fc.stringMatching(/^[a-zé0-9]{1,12}[,.]?$/);
const hashtag = fc.stringMatching(/^#[a-z]{1,10}$/);
const url = fc.stringMatching(/^[a-z]{1,8}$/).map((path) => `https://shop.example/${path}`);
const piece = fc.oneof({ weight: 6, arbitrary: word }, { weight: 2, arbitrary: hashtag }, { weight: 1, arbitrary: url });
const separator = fc.constantFrom(' ', ' ', ' ', '\n', '\n\n');
const text = fc.array(fc.tuple(piece, separator), { minLength: 1, maxLength: 60 }).map((parts) =>
  parts
    .map(([p, s]) => p + s)
    .join('')
    .trim(),
);

const withoutEllipsis = (token: string) => token.replaceAll(ELLIPSIS, '');
const tokens = (t: string) => t.split(/\s+/).filter(Boolean);

describe('fitText', () => {
  it('fits when the links alone fit, keeps every link whole, and cuts only between words', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 400 }), (input, max) => {
        const fits = (t: string) => graphemeLength(t) <= max;
        const result = fitText(input, fits);
        const links = findUrls(input).map((s) => s.text);
        if (fits(input)) {
          expect(result).toEqual({ text: input, fits: true, droppedHashtags: 0, droppedWords: 0 });
          return;
        }
        expect(result.fits).toBe(fits(result.text));
        // Between kept links at most a blank line is left, and one ellipsis with its space.
        if (fits(`${links.join('\n\n')} ${ELLIPSIS}`)) expect(result.fits).toBe(true);
        expect(findUrls(result.text).map((s) => s.text)).toEqual(links);
        const original = new Set(tokens(input));
        for (const token of tokens(result.text)) {
          const bare = withoutEllipsis(token);
          if (bare === '') continue;
          // A kept word is whole: itself, or itself without the punctuation dropped before the ellipsis.
          expect([...original].some((o) => o === bare || (token.endsWith(ELLIPSIS) && o.replace(/[,.]+$/, '') === bare))).toBe(true);
        }
        if (result.droppedWords > 0) expect(tokens(result.text).some((t) => t.startsWith('#'))).toBe(false);
      }),
      { numRuns: 2_000 },
    );
  });

  it('drops hashtags from the last, and words from the end with an ellipsis where the cut is', () => {
    const input = 'Linen shirt, cut loose and light for summer. https://shop.example/p #summer #linen #sale';
    expect(fitText(input, (t) => t.length <= 80)).toEqual({
      text: 'Linen shirt, cut loose and light for summer. https://shop.example/p #summer',
      fits: true,
      droppedHashtags: 2,
      droppedWords: 0,
    });
    expect(fitText(input, (t) => t.length <= 50)).toEqual({ text: 'Linen shirt, cut loose and… https://shop.example/p', fits: true, droppedHashtags: 3, droppedWords: 3 });
  });
});
