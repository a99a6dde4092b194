// A feed entry's HTML as plain text (src/sources/feed.ts plainText): the text a post is made of, and bounded work
// however hostile the entry (the poll runs on the worker's event loop). A quadratic pattern over a megabyte of '<'
// would run for many minutes, far past this file's timeout, so finishing at all is the assertion on the cost.
import { describe, expect, it } from 'vitest';
import { plainText } from '../src/sources/feed.js';

describe('plainText', () => {
  it('drops tags, scripts and styles, decodes entities, tidies spaces', () => {
    const html = '<p>Hello&nbsp;<b>world</b> &amp; more</p><script>alert("x")</script><STYLE type="a">p{}</STYLE ><p>&#233;t&#xE9; &hellip;</p>';
    expect(plainText(html)).toBe('Hello world & more été …');
    expect(plainText('before <script>never closed <p>gone</p>')).toBe('before');
  });

  it.each([
    ['unclosed <', '<'.repeat(1_000_000)],
    ['unclosed <script', '<script'.repeat(150_000)],
    ['<script with no end then text', `<script>${'x'.repeat(1_000_000)}`],
    ['entities without ;', '&amp'.repeat(250_000)],
    ['tags', '<b>word</b> '.repeat(100_000)],
  ])('a megabyte of %s ends with bounded text', (_what, html) => {
    const text = plainText(html);
    expect(text.length).toBeLessThanOrEqual(20_000);
  });

  it('reads only the head of a huge entry', () => {
    const text = plainText(`<p>${'word '.repeat(300_000)}</p>`);
    expect(text.startsWith('word word')).toBe(true);
    expect(text.length).toBeLessThanOrEqual(20_000);
  });
});
