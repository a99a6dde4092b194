// Post templates: what a store owner's template may say, refused at save time with the position, and what it renders.
import { describe, expect, it } from 'vitest';
import { checkTemplate, hashtags, renderTemplate, TemplateRenderError } from '../../src/templates/engine.js';
import { formatMoney, templateData } from '../../src/templates/fields.js';
import type { SourceItem } from '../../src/domain/sourceItems.js';

const shirt: SourceItem = {
  kind: 'PRODUCT',
  id: 'gid://shopify/Product/1',
  title: 'Linen shirt',
  url: 'https://shop.example/products/linen-shirt',
  description: 'Breathable <b>linen</b>, cut loose.',
  images: [{ url: 'https://cdn.example/shirt.jpg' }],
  tags: ['summer sale', 'linen', 'Linen', '2024'],
  price: { amount: '19.90', currency: 'EUR' },
  compareAtPrice: { amount: '25.00', currency: 'EUR' },
  vendor: 'Atelier',
  productType: 'Shirts',
};

describe('checkTemplate', () => {
  it('accepts the fields of the kind, filters, loops and local variables', () => {
    expect(
      checkTemplate(
        '{{ title | upcase }} {% if compare_at_price != "" %}was {{ compare_at_price }}{% endif %}\n{% for t in tags %}{{ t }}{% endfor %}{% assign x = price %}{{ x }}',
        'PRODUCT',
      ),
    ).toEqual([]);
  });

  it('refuses an unknown field at each place it is used, naming what is allowed', () => {
    const issues = checkTemplate('{{ title }}\n  {{ vendor }} {{ author }}', 'PRODUCT');
    expect(issues).toEqual([expect.objectContaining({ rule: 'UNKNOWN_FIELD', line: 2, column: 19 })]);
    expect(issues[0]!.message).toContain('"author"');
    expect(issues[0]!.message).toContain('compare_at_price');
    expect(checkTemplate('{{ author }}', 'ARTICLE')).toEqual([]);
  });

  it('refuses syntax errors, unknown filters and the tags that read files, with the position', () => {
    expect(checkTemplate('ok\n{{ title', 'PRODUCT')).toEqual([expect.objectContaining({ rule: 'SYNTAX', line: 2, column: 1 })]);
    expect(checkTemplate('{{ title | shout }}', 'PRODUCT')).toEqual([expect.objectContaining({ rule: 'UNKNOWN_FILTER', line: 1 })]);
    for (const tag of ['include', 'render', 'layout']) {
      expect(checkTemplate(`{% ${tag} "secrets" %}`, 'PRODUCT')).toEqual([expect.objectContaining({ rule: 'FORBIDDEN_TAG' })]);
    }
    expect(checkTemplate('x'.repeat(5_001), 'PRODUCT')).toEqual([expect.objectContaining({ rule: 'TOO_LONG' })]);
  });
});

describe('renderTemplate', () => {
  it("renders an item's values without HTML escaping, tidied", () => {
    const data = templateData(shirt, shirt.url);
    const text = renderTemplate(
      '{{ title }} by {{ vendor }} — {{ price }} (was {{ compare_at_price }}, -{{ discount_percent }}%)\n\n\n{{ description }}\n{{ url }}   {{ tags | hashtags }}',
      data,
    );
    expect(text).toBe('Linen shirt by Atelier — €19.90 (was €25.00, -20%)\n\nBreathable <b>linen</b>, cut loose.\nhttps://shop.example/products/linen-shirt #SummerSale #linen');
  });

  it('stops a template that loops on purpose at the render limits', () => {
    const bomb = '{% for a in (1..1000) %}{% for b in (1..1000) %}{% for c in (1..1000) %}x{% endfor %}{% endfor %}{% endfor %}';
    expect(checkTemplate(bomb, 'PRODUCT')).toEqual([]);
    expect(() => renderTemplate(bomb, templateData(shirt, shirt.url))).toThrow(TemplateRenderError);
  });

  it('shows no sale when the compare-at price is not above the price', () => {
    const data = templateData({ ...shirt, compareAtPrice: { amount: '19.90', currency: 'EUR' } }, shirt.url);
    expect(data).toMatchObject({ compare_at_price: '', discount_percent: 0, compare_at_price_amount: 0 });
  });
});

describe('hashtags', () => {
  it('makes one hashtag of each tag, once, dropping numbers and keeping a maximum', () => {
    expect(hashtags(['summer sale', 'linen', 'LINEN', '2024', 'été-2024', '', 'a&b'])).toBe('#SummerSale #linen #Été2024 #AB');
    expect(hashtags('one, two, three', 2)).toBe('#one #two');
    expect(hashtags(undefined)).toBe('');
  });
});

describe('formatMoney', () => {
  it('writes the currency the way people read it, and an unknown code as given', () => {
    expect(formatMoney({ amount: '5', currency: 'USD' })).toBe('$5.00');
    expect(formatMoney({ amount: '500', currency: 'JPY' })).toBe('¥500');
    expect(formatMoney({ amount: '1.5', currency: 'XYZ1' })).toBe('1.5 XYZ1');
  });
});
