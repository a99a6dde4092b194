// The shapes the loopback Shopify gives a product: the Admin GraphQL node (with the connections Shopify pages by
// cursor) and the REST-shaped payload of products/* webhooks, both from one stored product.

export interface ShopifyFakeProduct {
  id: number;
  title: string;
  handle: string;
  descriptionHtml: string;
  vendor: string;
  productType: string;
  tags: string[];
  status: 'ACTIVE' | 'DRAFT' | 'ARCHIVED';
  /** Null: not published to the online store. */
  publishedAt: string | null;
  images: { url: string; altText: string | null; width: number; height: number }[];
  variants: { id: number; price: string; compareAtPrice: string | null; inventoryQuantity: number }[];
  createdAt: string;
  updatedAt: string;
}

export const gid = (type: string, id: number | string) => `gid://shopify/${type}/${id}`;
export const idOf = (gidValue: string) => Number(/\/(\d+)$/.exec(gidValue)?.[1] ?? NaN);

export function productNode(shop: string, p: ShopifyFakeProduct) {
  const prices = p.variants.map((v) => Number(v.price));
  const compare = p.variants.map((v) => Number(v.compareAtPrice ?? 0));
  const money = (amount: number) => ({ amount: amount.toFixed(2), currencyCode: 'EUR' });
  return {
    id: gid('Product', p.id),
    legacyResourceId: String(p.id),
    title: p.title,
    handle: p.handle,
    descriptionHtml: p.descriptionHtml,
    description: p.descriptionHtml.replace(/<[^>]*>/g, ''),
    vendor: p.vendor,
    productType: p.productType,
    tags: p.tags,
    status: p.status,
    publishedAt: p.publishedAt,
    onlineStoreUrl: p.status === 'ACTIVE' && p.publishedAt ? `https://${shop}/products/${p.handle}` : null,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    totalInventory: p.variants.reduce((sum, v) => sum + v.inventoryQuantity, 0),
    priceRangeV2: { minVariantPrice: money(Math.min(...prices, 0) || Math.min(...prices)), maxVariantPrice: money(Math.max(...prices, 0)) },
    compareAtPriceRange: { minVariantCompareAtPrice: money(Math.min(...compare)), maxVariantCompareAtPrice: money(Math.max(...compare, 0)) },
    featuredImage: p.images[0] ?? null,
    images: (args: { first: number }) => connection(p.images.slice(0, args.first), (i) => String(p.images.indexOf(i))),
    variants: (args: { first: number }) =>
      connection(
        p.variants.slice(0, args.first).map((v) => ({ id: gid('ProductVariant', v.id), price: v.price, compareAtPrice: v.compareAtPrice, inventoryQuantity: v.inventoryQuantity })),
        (v) => v.id,
      ),
  };
}

export function connection<T>(items: T[], cursorOf: (item: T) => string, hasNextPage = false) {
  return {
    nodes: items,
    edges: items.map((node) => ({ node, cursor: Buffer.from(cursorOf(node)).toString('base64') })),
    pageInfo: { hasNextPage, endCursor: items.length ? Buffer.from(cursorOf(items.at(-1)!)).toString('base64') : null },
  };
}

/** The REST-shaped payload Shopify sends on products/* topics. */
export const productPayload = (shop: string, p: ShopifyFakeProduct) => ({
  id: p.id,
  admin_graphql_api_id: gid('Product', p.id),
  title: p.title,
  handle: p.handle,
  body_html: p.descriptionHtml,
  vendor: p.vendor,
  product_type: p.productType,
  tags: p.tags.join(', '),
  status: p.status.toLowerCase(),
  published_at: p.publishedAt,
  created_at: p.createdAt,
  updated_at: p.updatedAt,
  variants: p.variants.map((v) => ({ id: v.id, product_id: p.id, price: v.price, compare_at_price: v.compareAtPrice, inventory_quantity: v.inventoryQuantity })),
  images: p.images.map((i, position) => ({ id: p.id * 10 + position, product_id: p.id, position: position + 1, src: i.url, alt: i.altText, width: i.width, height: i.height })),
  shop_domain: shop,
});
