// The loopback Shopify's inventory, from shopify.dev: each variant's stock is an InventoryItem (its own id), stocked
// at one location of the shop. The Admin API's `inventoryItem(id)` (read_inventory only) leads back to the variant and
// its product; a level changed sends inventory_levels/update with Shopify's REST-shaped payload, which names the
// inventory item and the location, never the product.
import { GraphQLError } from 'graphql';
import { gid, idOf, productNode, type ShopifyFakeProduct } from './shopifyProducts.js';

/** The one location every fake shop stocks (shopify.dev's example id). */
export const LOCATION_ID = 655441491;

/** A variant's inventory item: its own number, derived so that it never equals a product's or a variant's. */
export const inventoryItemIdOf = (variantId: number) => variantId * 100 + 7;

/** The payload of inventory_levels/update (REST Admin API's InventoryLevel). */
export function inventoryLevelPayload(variant: { id: number; inventoryQuantity: number }, updatedAt: string) {
  const item = inventoryItemIdOf(variant.id);
  return {
    inventory_item_id: item,
    location_id: LOCATION_ID,
    available: variant.inventoryQuantity,
    updated_at: updatedAt,
    admin_graphql_api_id: `gid://shopify/InventoryLevel/${LOCATION_ID}?inventory_item_id=${item}`,
  };
}

/** A variant's stock set (the product's first variant unless named); the product counts as updated. */
export function setLevel(products: ShopifyFakeProduct[], productId: number, available: number, variantId?: number) {
  const product = products.find((p) => p.id === productId);
  const variant = product?.variants.find((v) => variantId === undefined || v.id === variantId);
  if (!product || !variant) throw new Error(`no variant ${variantId ?? ''} of product ${productId}`);
  variant.inventoryQuantity = available;
  product.updatedAt = new Date().toISOString();
  return { product, variant };
}

/** The root field `inventoryItem(id)`, refused without read_inventory as Shopify refuses it. */
export function inventoryItemField(shop: string, products: ShopifyFakeProduct[], scope: string) {
  return ({ id }: { id: string }) => {
    const granted = scope.split(',').map((s) => s.trim());
    if (!granted.includes('read_inventory') && !granted.includes('write_inventory')) {
      throw new GraphQLError('Access denied for inventoryItem field. Required access: `read_inventory` access scope.', {
        extensions: { code: 'ACCESS_DENIED', documentation: 'https://shopify.dev/api/usage/access-scopes', requiredAccess: '`read_inventory` access scope.' },
      });
    }
    const wanted = idOf(id);
    for (const product of products) {
      const variant = product.variants.find((v) => inventoryItemIdOf(v.id) === wanted);
      if (!variant) continue;
      return {
        id: gid('InventoryItem', wanted),
        legacyResourceId: String(wanted),
        sku: null,
        tracked: true,
        variant: {
          id: gid('ProductVariant', variant.id),
          price: variant.price,
          compareAtPrice: variant.compareAtPrice,
          inventoryQuantity: variant.inventoryQuantity,
          product: productNode(shop, product),
        },
      };
    }
    return null;
  };
}
