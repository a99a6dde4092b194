// What a content source (a Shopify store, a WordPress site) hands PostFlow: one item as the connectors normalise it,
// whatever the store's own shape. Templates (src/templates/) render these; nothing past a connector sees a store's
// quirks.

export const ITEM_KINDS = ['PRODUCT', 'ARTICLE'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

export interface ItemImage {
  url: string;
  alt?: string;
  width?: number;
  height?: number;
}

/** An amount as the store gives it (a decimal string, never a float) with its ISO 4217 currency. */
export interface Money {
  amount: string;
  currency: string;
}

export interface SourceItem {
  kind: ItemKind;
  /** The store's own id of the item. */
  id: string;
  title: string;
  /** The item's public page; null while it has none (a product not on the online store). */
  url: string | null;
  /** Plain text (the connector strips HTML). */
  description: string;
  images: ItemImage[];
  tags: string[];
  // Products
  price?: Money;
  compareAtPrice?: Money;
  vendor?: string;
  productType?: string;
  // Articles
  excerpt?: string;
  author?: string;
  categories?: string[];
  /** WordPress' post type (post, page, product...). */
  postType?: string;
  // WooCommerce products (a WordPress site's): price is the current one, compareAtPrice the regular one while on sale.
  regularPrice?: Money;
  salePrice?: Money;
  sku?: string;
  inStock?: boolean;
}
