// A Shopify product -> PostFlow's SourceItem and the state posting rules look at. Two shapes come in: the Admin
// GraphQL node fetchProduct reads, and a bulk operation's JSONL product with its variant and image lines joined back
// (bulk.ts); both are first put in one ShopifyProduct. The item's id is the product's GraphQL id
// (gid://shopify/Product/123): webhooks carry it as admin_graphql_api_id (products/delete only the number:
// productGid builds it).
import type { ItemImage, Money, SourceItem } from '../../../src/domain/sourceItems.js';
import type { FetchedItem, ItemState } from '../../../src/sources/types.js';
import { htmlToText } from '../../../src/templates/text.js';

export interface ShopifyVariant {
  id: string;
  price: string;
  compareAtPrice: string | null;
  inventoryQuantity: number | null;
}

export interface ShopifyProduct {
  id: string;
  title: string;
  handle: string;
  descriptionHtml: string;
  vendor: string;
  productType: string;
  tags: string[];
  status: 'ACTIVE' | 'DRAFT' | 'ARCHIVED';
  publishedAt: string | null;
  onlineStoreUrl: string | null;
  totalInventory: number | null;
  /** The shop's currency for this product's prices (priceRangeV2's). */
  currency: string;
  images: ItemImage[];
  variants: ShopifyVariant[];
}

/** The fields fetchProduct asks for and the bulk query's product lines carry (without the connections). */
export const PRODUCT_SCALARS =
  'id title handle descriptionHtml vendor productType tags status publishedAt onlineStoreUrl totalInventory priceRangeV2 { minVariantPrice { amount currencyCode } }';

interface GraphqlImage {
  url: string;
  altText?: string | null;
  width?: number | null;
  height?: number | null;
}

/** The product fields of a GraphQL node or a JSONL product line (the same names). */
export interface ProductFields {
  id: string;
  title: string;
  handle: string;
  descriptionHtml?: string | null;
  vendor?: string | null;
  productType?: string | null;
  tags?: string[] | null;
  status: ShopifyProduct['status'];
  publishedAt?: string | null;
  onlineStoreUrl?: string | null;
  totalInventory?: number | null;
  priceRangeV2?: { minVariantPrice?: { amount: string; currencyCode: string } | null } | null;
}

export interface ProductNode extends ProductFields {
  images?: { nodes: GraphqlImage[] } | null;
  variants?: { nodes: { id: string; price: string; compareAtPrice?: string | null; inventoryQuantity?: number | null }[] } | null;
}

export const productGid = (id: string | number) => (String(id).startsWith('gid://') ? String(id) : `gid://shopify/Product/${id}`);
/** One variant's stock (inventory_levels/update names it, not the product): gid://shopify/InventoryItem/123. */
export const inventoryItemGid = (id: string | number) => (String(id).startsWith('gid://') ? String(id) : `gid://shopify/InventoryItem/${id}`);
export const isInventoryItemGid = (id: string) => id.startsWith('gid://shopify/InventoryItem/');

export const imageOf = (image: GraphqlImage): ItemImage => ({
  url: image.url,
  ...(image.altText ? { alt: image.altText } : {}),
  ...(image.width ? { width: image.width } : {}),
  ...(image.height ? { height: image.height } : {}),
});

export const variantOf = (v: { id: string; price: string; compareAtPrice?: string | null; inventoryQuantity?: number | null }): ShopifyVariant => ({
  id: v.id,
  price: String(v.price),
  compareAtPrice: v.compareAtPrice == null ? null : String(v.compareAtPrice),
  inventoryQuantity: v.inventoryQuantity ?? null,
});

/** A product from its own fields and its children (a GraphQL node's connections, or joined JSONL lines). */
export function shopifyProduct(fields: ProductFields, images: ItemImage[], variants: ShopifyVariant[]): ShopifyProduct {
  return {
    id: fields.id,
    title: fields.title,
    handle: fields.handle,
    descriptionHtml: fields.descriptionHtml ?? '',
    vendor: fields.vendor ?? '',
    productType: fields.productType ?? '',
    tags: fields.tags ?? [],
    status: fields.status,
    publishedAt: fields.publishedAt ?? null,
    onlineStoreUrl: fields.onlineStoreUrl ?? null,
    totalInventory: fields.totalInventory ?? null,
    currency: fields.priceRangeV2?.minVariantPrice?.currencyCode ?? 'USD',
    images,
    variants,
  };
}

export function productFromNode(node: ProductNode): ShopifyProduct {
  return shopifyProduct(node, (node.images?.nodes ?? []).map(imageOf), (node.variants?.nodes ?? []).map(variantOf));
}

const onSale = (v: ShopifyVariant) => v.compareAtPrice !== null && Number(v.compareAtPrice) > Number(v.price);

/**
 * The item and its state. price is the cheapest variant's, and compareAtPrice that same variant's compare-at when
 * above it (so "was X, now Y" speaks of one variant); onSale is any variant's compare-at above its price.
 */
export function fetchedItem(product: ShopifyProduct): FetchedItem {
  const cheapest = product.variants.reduce<ShopifyVariant | null>((min, v) => (min === null || Number(v.price) < Number(min.price) ? v : min), null);
  const money = (amount: string): Money => ({ amount, currency: product.currency });
  const item: SourceItem = {
    kind: 'PRODUCT',
    id: product.id,
    title: product.title,
    url: product.onlineStoreUrl,
    description: htmlToText(product.descriptionHtml),
    images: product.images,
    tags: product.tags,
    ...(cheapest ? { price: money(cheapest.price) } : {}),
    ...(cheapest && onSale(cheapest) ? { compareAtPrice: money(cheapest.compareAtPrice!) } : {}),
    vendor: product.vendor,
    productType: product.productType,
  };
  const state: ItemState = {
    published: product.status === 'ACTIVE' && product.publishedAt !== null && product.onlineStoreUrl !== null,
    inStock: (product.totalInventory ?? 0) > 0 || product.variants.some((v) => (v.inventoryQuantity ?? 0) > 0),
    onSale: product.variants.some(onSale),
  };
  return { item, state, publishedAt: product.publishedAt ? new Date(product.publishedAt) : null };
}
