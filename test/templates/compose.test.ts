// One item through a template to the text a network accepts: UTM parameters on the item's links only, the result
// fitted with the hashtags going first, and the link card.
import { describe, expect, it } from 'vitest';
import { composePost } from '../../src/templates/compose.js';
import type { SourceItem } from '../../src/domain/sourceItems.js';

const item: SourceItem = {
  kind: 'PRODUCT',
  id: '1',
  title: 'Linen shirt',
  url: 'https://shop.example/products/linen-shirt?variant=7',
  description: 'Breathable linen, cut loose. Care guide at https://shop.example/pages/care and fabric from https://mill.example/linen.',
  images: [{ url: 'https://cdn.example/shirt.jpg' }],
  tags: ['summer', 'linen', 'sale'],
  price: { amount: '19.90', currency: 'EUR' },
};
const utm = { source: 'mastodon', medium: 'social', campaign: 'my-shop' };

describe('composePost', () => {
  it("tags the item's own links with UTM parameters and leaves other sites' links alone", () => {
    const composed = composePost({ template: '{{ title }}: {{ price }}\n{{ description }}\n{{ url }} {{ tags | hashtags }}', item, utm, fits: () => true });
    expect(composed.link).toBe('https://shop.example/products/linen-shirt?variant=7&utm_source=mastodon&utm_medium=social&utm_campaign=my-shop');
    expect(composed.text).toContain('https://shop.example/pages/care?utm_source=mastodon&utm_medium=social&utm_campaign=my-shop');
    expect(composed.text).toContain('https://mill.example/linen.');
    expect(composed.text).not.toContain('https://mill.example/linen?utm');
    expect(composed.text.endsWith(`${composed.link} #summer #linen #sale`)).toBe(true);
    expect(composed.card).toEqual({ url: composed.link, title: 'Linen shirt', description: item.description, image: 'https://cdn.example/shirt.jpg' });
  });

  it('keeps links without UTM when they are off, and keeps parameters already there', () => {
    expect(composePost({ template: '{{ url }}', item, utm: null, fits: () => true }).text).toBe(item.url);
    const tagged = { ...item, url: 'https://shop.example/p?utm_source=newsletter' };
    expect(composePost({ template: '{{ url }}', item: tagged, utm, fits: () => true }).text).toBe(
      'https://shop.example/p?utm_source=newsletter&utm_medium=social&utm_campaign=my-shop',
    );
  });

  it("fits a long post: hashtags first, then words and other links, the item's link kept", () => {
    const composed = composePost({ template: '{{ title }} {{ description }} {{ url }} {{ tags | hashtags }}', item, utm: null, fits: (t) => t.length <= 110 });
    expect(composed).toMatchObject({ fits: true, droppedHashtags: 3 });
    expect(composed.text.length).toBeLessThanOrEqual(110);
    expect(composed.text).toContain(item.url!);
    expect(composed.text).toBe('Linen shirt Breathable linen, cut loose. Care guide at… https://shop.example/products/linen-shirt?variant=7');
  });

  it('has no link card for an item without a page', () => {
    expect(composePost({ template: '{{ title }}', item: { ...item, url: null }, utm, fits: () => true })).toMatchObject({ text: 'Linen shirt', link: null, card: null });
  });
});
