// The Shopify app's settings (src/config.ts): off unless both the key and the secret are set, the defaults, and
// SHOPIFY_SHOP_ORIGIN's form; and the origin the plugin derives from it.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { fixedShopOrigin, shopBaseUrl } from '../../../plugins/shopify/src/config.js';

const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

describe('the Shopify settings', () => {
  it('are off without a key and secret, and on with both, with their defaults', () => {
    expect(loadConfig({}).shopify).toBeNull();
    expect(loadConfig({ SHOPIFY_API_KEY: 'key', SHOPIFY_API_SECRET: 'secret' }).shopify).toEqual({
      apiKey: 'key',
      apiSecret: 'secret',
      scopes: ['read_products'],
      shopOrigin: 'https://{shop}',
      apiVersion: '2026-07',
      billing: null,
    });
    expect(
      loadConfig({ SHOPIFY_API_KEY: 'key', SHOPIFY_API_SECRET: 'secret', SHOPIFY_SCOPES: 'read_products, read_inventory', SHOPIFY_SHOP_ORIGIN: 'http://127.0.0.1:9/shops/{shop}/' })
        .shopify,
    ).toMatchObject({ scopes: ['read_products', 'read_inventory'], shopOrigin: 'http://127.0.0.1:9/shops/{shop}' });
  });

  it('name what is wrong, never a secret', () => {
    expect(problems({ SHOPIFY_API_KEY: 'key' })).toEqual([expect.stringMatching(/^SHOPIFY_API_SECRET: must be set with SHOPIFY_API_KEY/)]);
    expect(problems({ SHOPIFY_API_SECRET: 'very-secret' }).join()).not.toContain('very-secret');
    expect(problems({ SHOPIFY_SHOP_ORIGIN: 'https://shops.example' })).toEqual([expect.stringMatching(/^SHOPIFY_SHOP_ORIGIN: must be an http\(s\) URL with \{shop\}/)]);
    expect(problems({ SHOPIFY_SHOP_ORIGIN: 'ftp://{shop}' })).toHaveLength(1);
    expect(problems({ SHOPIFY_SHOP_ORIGIN: 'https://{shop}?x=1' })).toHaveLength(1);
    expect(problems({ SHOPIFY_SCOPES: 'read_products;write_everything' })).toHaveLength(1);
    expect(problems({ SHOPIFY_API_VERSION: '2026-08' })).toHaveLength(1);
  });

  it('give one origin for every shop only when the template fixes it', () => {
    expect(shopBaseUrl('https://{shop}', 'a.myshopify.com')).toBe('https://a.myshopify.com');
    expect(fixedShopOrigin('https://{shop}')).toBeNull();
    expect(shopBaseUrl('http://127.0.0.1:9/shops/{shop}', 'a.myshopify.com')).toBe('http://127.0.0.1:9/shops/a.myshopify.com');
    expect(fixedShopOrigin('http://127.0.0.1:9/shops/{shop}')).toBe('http://127.0.0.1:9');
  });
});
