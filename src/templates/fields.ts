// The fields a template may use, per kind of item: the one list that validation (unknown fields refused at save
// time) and rendering (the values) both read. Names follow Shopify's own Liquid (product.compare_at_price), so a
// store owner's habits carry over.
import type { ItemKind, Money, SourceItem } from '../domain/sourceItems.js';

export interface FieldInfo {
  description: string;
}

const COMMON: Record<string, FieldInfo> = {
  title: { description: 'the title' },
  url: { description: "the item's page (with UTM parameters when they are on)" },
  description: { description: 'the description as plain text' },
  image: { description: "the first image's URL" },
  tags: { description: 'the tags, a list: {{ tags | hashtags }}' },
};

const PRICES: Record<string, FieldInfo> = {
  price: { description: 'the price with its currency, as "€19.90"' },
  price_amount: { description: 'the price as a number' },
  compare_at_price: { description: 'the price before the sale, as "€25.00" (empty when not on sale)' },
  compare_at_price_amount: { description: 'the price before the sale as a number (0 when not on sale)' },
  discount_percent: { description: 'how much cheaper than compare_at_price, rounded down (0 when not on sale)' },
  currency: { description: 'the ISO 4217 currency code' },
};

export const FIELDS: Readonly<Record<ItemKind, Readonly<Record<string, FieldInfo>>>> = {
  PRODUCT: {
    ...COMMON,
    ...PRICES,
    vendor: { description: 'the vendor (brand)' },
    product_type: { description: 'the product type' },
  },
  // A WordPress site sends its articles and, with WooCommerce, its products through one set of templates: the product
  // fields are there for every article too (empty for a post or a feed's entry), under Shopify's names where they
  // mean the same.
  ARTICLE: {
    ...COMMON,
    excerpt: { description: 'the excerpt as plain text' },
    author: { description: "the author's display name" },
    categories: { description: 'the categories, a list: {{ categories | hashtags }}' },
    post_type: { description: "WordPress' post type: post, page, product..." },
    ...Object.fromEntries(Object.entries(PRICES).map(([name, info]) => [name, { description: `WooCommerce products: ${info.description}` }])),
    regular_price: { description: 'WooCommerce products: the regular price, as "€25.00"' },
    sale_price: { description: 'WooCommerce products: the sale price, as "€19.90" (empty when not on sale)' },
    sku: { description: 'WooCommerce products: the SKU' },
    in_stock: { description: 'WooCommerce products: true when in stock: {% if in_stock %}…{% endif %}' },
  },
};

/** A price as people read it in that currency ("€19.90", "$5.00", "¥500"), in English number style. */
export function formatMoney(money: Money | undefined): string {
  if (!money) return '';
  const amount = Number(money.amount);
  if (!Number.isFinite(amount)) return '';
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency: money.currency }).format(amount);
  } catch {
    return `${money.amount} ${money.currency}`; // an unknown currency code: say it as the store does
  }
}

/**
 * The values a template sees for an item; `url` is the link as it should appear in the post. Every item gets every
 * field of both kinds (empty where it has none): a WordPress site's products are checked against the article fields.
 */
export function templateData(item: SourceItem, url: string | null): Record<string, unknown> {
  const common = { title: item.title, url: url ?? '', description: item.description, image: item.images[0]?.url ?? '', tags: item.tags };
  const article = { excerpt: item.excerpt ?? '', author: item.author ?? '', categories: item.categories ?? [], post_type: item.postType ?? '' };
  const price = Number(item.price?.amount ?? 0);
  const before = Number(item.compareAtPrice?.amount ?? 0);
  const onSale = Number.isFinite(before) && Number.isFinite(price) && before > price;
  return {
    ...common,
    ...article,
    price: formatMoney(item.price),
    price_amount: Number.isFinite(price) ? price : 0,
    compare_at_price: onSale ? formatMoney(item.compareAtPrice) : '',
    compare_at_price_amount: onSale ? before : 0,
    discount_percent: onSale ? Math.floor(((before - price) / before) * 100) : 0,
    currency: item.price?.currency ?? '',
    vendor: item.vendor ?? '',
    product_type: item.productType ?? '',
    regular_price: formatMoney(item.regularPrice ?? item.price),
    sale_price: item.salePrice ? formatMoney(item.salePrice) : '',
    sku: item.sku ?? '',
    in_stock: item.inStock ?? false,
  };
}
