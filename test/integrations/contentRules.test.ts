// The one content rules table and the counters behind it: each network's own way of counting a post.
import { describe, expect, it } from 'vitest';
import { CONTENT_RULES, checkContentRules, rulesFor, threadParts } from '../../src/integrations/contentRules.js';
import { threadsLength, utf8Length, xWeightedLength } from '../../src/integrations/textLength.js';
import { PLATFORM_NAMES } from '../../src/integrations/types.js';

const rules = (verdict: { violations: { rule: string }[] }) => verdict.violations.map((v) => v.rule);

describe('X weighted length (twitter-text v3)', () => {
  it('counts Latin 1, CJK 2, an emoji sequence 2 and any URL 23', () => {
    expect(xWeightedLength('hello')).toBe(5);
    expect(xWeightedLength('日本語')).toBe(6);
    expect(xWeightedLength('👍')).toBe(2);
    expect(xWeightedLength('👩‍👩‍👧‍👦')).toBe(2);
    expect(xWeightedLength('🇫🇷')).toBe(2);
    expect(xWeightedLength('see https://example.com/a/very/long/path/that/is/much/longer/than/twenty-three')).toBe(4 + 23);
    expect(xWeightedLength('x https://t.co')).toBe(2 + 23);
  });

  it('normalises first, so a decomposed accent is one character', () => {
    expect(xWeightedLength('e\u0301')).toBe(1);
  });

  it('refuses 281 and accepts 280, with CJK reaching the limit at 140 characters', () => {
    expect(rules(checkContentRules('X', { text: 'a'.repeat(280), mediaUrls: [] }))).toEqual([]);
    expect(rules(checkContentRules('X', { text: 'a'.repeat(281), mediaUrls: [] }))).toEqual(['maxLength']);
    const cjk = checkContentRules('X', { text: '漢'.repeat(141), mediaUrls: [] });
    expect(cjk).toMatchObject({ counted: 282, limit: 280 });
    expect(rules(cjk)).toEqual(['maxLength']);
  });

  it('counts each post of a thread on its own', () => {
    const text = `${'a'.repeat(270)}\n---\n${'b'.repeat(270)}\n---\nthird`;
    expect(threadParts(text)).toHaveLength(3);
    expect(checkContentRules('X', { text, mediaUrls: [] })).toMatchObject({ counted: 270, limit: 280, violations: [] });
    const tooLong = checkContentRules('X', { text: `short\n---\n${'c'.repeat(281)}`, mediaUrls: [] });
    expect(tooLong.violations).toEqual([expect.objectContaining({ rule: 'maxLength', message: expect.stringContaining('Post 2 of the thread') })]);
    expect(rules(checkContentRules('X', { text: 'one\n---\n\n---\nthree', mediaUrls: [] }))).toEqual(['required']);
  });
});

describe('Bluesky', () => {
  it('limits 300 graphemes and 3,000 UTF-8 bytes', () => {
    expect(rules(checkContentRules('BLUESKY', { text: '👩‍👩‍👧'.repeat(120), mediaUrls: [] }))).toEqual([]);
    expect(utf8Length('👩‍👩‍👧'.repeat(120))).toBe(2_160);
    // 300 graphemes, but 25 bytes each: within the character limit, over the byte limit.
    expect(rules(checkContentRules('BLUESKY', { text: '👩‍👩‍👧‍👦'.repeat(300), mediaUrls: [] }))).toEqual(['maxBytes']);
    expect(rules(checkContentRules('BLUESKY', { text: 'é'.repeat(301), mediaUrls: [] }))).toEqual(['maxLength']);
  });
});

describe('Threads', () => {
  it('counts an emoji as its UTF-8 bytes', () => {
    expect(threadsLength('hi 😀')).toBe(3 + 4);
    expect(rules(checkContentRules('THREADS', { text: '😀'.repeat(125), mediaUrls: [] }))).toEqual([]);
    expect(rules(checkContentRules('THREADS', { text: '😀'.repeat(126), mediaUrls: [] }))).toEqual(['maxLength']);
  });
});

describe('the other rows', () => {
  it('has a row for every platform', () => {
    expect(Object.keys(CONTENT_RULES).sort()).toEqual([...PLATFORM_NAMES].sort());
  });

  it('applies the documented limits', () => {
    const over = (platform: keyof typeof CONTENT_RULES, length: number, mediaUrls: string[] = []) => rules(checkContentRules(platform, { text: 'a'.repeat(length), mediaUrls }));
    expect(over('LINKEDIN', 3_000)).toEqual([]);
    expect(over('LINKEDIN', 3_001)).toEqual(['maxLength']);
    expect(over('INSTAGRAM', 2_201, ['https://cdn.example/a.jpg'])).toEqual(['maxLength']);
    expect(over('THREADS', 501)).toEqual(['maxLength']);
    expect(over('DISCORD', 2_001)).toEqual(['maxLength']);
    expect(over('PINTEREST', 501, ['https://cdn.example/a.jpg'])).toEqual(['maxLength']);
    expect(over('TELEGRAM', 4_096)).toEqual([]);
    expect(over('TELEGRAM', 1_025, ['https://cdn.example/a.jpg'])).toEqual(['maxCaptionLength']);
    expect(over('MASTODON', 501)).toEqual(['maxLength']);
  });

  it('requires an image on Instagram and Pinterest, and caps hashtags and mentions on Instagram', () => {
    expect(rules(checkContentRules('INSTAGRAM', { text: 'no picture', mediaUrls: [] }))).toEqual(['mediaRequired']);
    expect(rules(checkContentRules('PINTEREST', { text: 'no picture', mediaUrls: [] }))).toEqual(['mediaRequired']);
    const tags = Array.from({ length: 31 }, (_, i) => `#tag${i}`).join(' ');
    expect(rules(checkContentRules('INSTAGRAM', { text: tags, mediaUrls: ['https://cdn.example/a.jpg'] }))).toEqual(['maxHashtags']);
    const mentions = Array.from({ length: 21 }, (_, i) => `@user${i}`).join(' ');
    expect(rules(checkContentRules('INSTAGRAM', { text: mentions, mediaUrls: ['https://cdn.example/a.jpg'] }))).toEqual(['maxMentions']);
  });

  it("counts media against the row, and lets a Mastodon instance's own limits replace the row's", () => {
    expect(rules(checkContentRules('X', { text: 'pics', mediaUrls: ['1', '2', '3', '4', '5'] }))).toEqual(['maxMedia']);
    expect(rulesFor('MASTODON', { maxCharacters: 5000, maxMediaAttachments: 8 })).toMatchObject({ maxLength: 5000, maxMedia: 8 });
    expect(rules(checkContentRules('MASTODON', { text: 'a'.repeat(900), mediaUrls: [] }, { maxCharacters: 1000 }))).toEqual([]);
    expect(rules(checkContentRules('MASTODON', { text: 'a'.repeat(900), mediaUrls: [] }))).toEqual(['maxLength']);
  });
});
