// The Shopify app's HTTP routes, mounted on PostFlow's server by src/app.ts (API roles, Shopify configured).
import type { ShopifyClient } from './client.js';
import { SHOPIFY_PATHS } from './config.js';
import type { PluginRoute, ShopifyAppHost } from './host.js';
import { AUTH_PATH, CONNECTED_PATH, appPage, authCallback, connectedPage, startAuth } from './install.js';
import { receiveWebhook } from './webhookRoute.js';

export function shopifyRoutes(client: ShopifyClient, host: ShopifyAppHost): PluginRoute[] {
  return [
    { path: AUTH_PATH, methods: ['GET'], handle: (request, response) => startAuth(client, host, request, response) },
    { path: SHOPIFY_PATHS.authCallback, methods: ['GET'], handle: (request, response) => authCallback(client, host, request, response) },
    { path: CONNECTED_PATH, methods: ['GET'], handle: (request, response) => connectedPage(client, request, response) },
    { path: SHOPIFY_PATHS.app, methods: ['GET'], handle: (request, response) => appPage(client, host, request, response) },
    { path: SHOPIFY_PATHS.webhooks, methods: ['POST'], handle: (request, response) => receiveWebhook(client, host, request, response) },
  ];
}
