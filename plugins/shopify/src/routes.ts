// The Shopify app's HTTP routes, mounted on PostFlow's server by src/app.ts (API roles, Shopify configured).
import type { ShopifyClient } from './client.js';
import { SHOPIFY_PATHS } from './config.js';
import type { PluginRoute, ShopifyAppHost } from './host.js';
import { AUTH_PATH, CONNECTED_PATH, appPage, authCallback, connectedPage, startAuth } from './install.js';
import { appHomeByToken, hasPageToken, previewSettings, saveSettings, serveAppScript, startImport } from './appHome.js';
import { APP_HOME_PATHS } from './appHomeRender.js';
import { receiveWebhook } from './webhookRoute.js';
import { BILLING_RETURN_PATH, billingReturn } from './billingRoute.js';
import { claimFinish, claimPage, claimSignIn, claimSignUp } from './claim.js';
import { CLAIM_PATHS } from './claimPages.js';

export function shopifyRoutes(client: ShopifyClient, host: ShopifyAppHost): PluginRoute[] {
  return [
    { path: AUTH_PATH, methods: ['GET'], handle: (request, response) => startAuth(client, host, request, response) },
    { path: SHOPIFY_PATHS.authCallback, methods: ['GET'], handle: (request, response) => authCallback(client, host, request, response) },
    { path: CONNECTED_PATH, methods: ['GET'], handle: (request, response) => connectedPage(client, request, response) },
    {
      path: SHOPIFY_PATHS.app,
      methods: ['GET'],
      // Shopify's signed launch, or the page's own token a write sent the browser back with.
      handle: (request, response) => (hasPageToken(request) ? appHomeByToken(host, request, response) : appPage(client, host, request, response)),
    },
    { path: APP_HOME_PATHS.settings, methods: ['POST'], handle: (request, response) => saveSettings(client, host, request, response) },
    { path: APP_HOME_PATHS.preview, methods: ['POST'], handle: (request, response) => previewSettings(client, host, request, response) },
    { path: APP_HOME_PATHS.import, methods: ['POST'], handle: (request, response) => startImport(client, host, request, response) },
    { path: APP_HOME_PATHS.script, methods: ['GET'], handle: (_request, response) => serveAppScript(response) },
    { path: SHOPIFY_PATHS.webhooks, methods: ['POST'], handle: (request, response) => receiveWebhook(client, host, request, response) },
    // Back from a charge's approval page (SHOPIFY_BILLING).
    { path: BILLING_RETURN_PATH, methods: ['GET'], handle: (request, response) => billingReturn(host, request, response) },
    // An install started from Shopify for a new shop: its owner signs in (or up) and picks the workspace.
    { path: CLAIM_PATHS.page, methods: ['GET'], handle: (request, response) => claimPage(host, request, response) },
    { path: CLAIM_PATHS.signIn, methods: ['POST'], handle: (request, response) => claimSignIn(client, host, request, response) },
    { path: CLAIM_PATHS.signUp, methods: ['POST'], handle: (request, response) => claimSignUp(client, host, request, response) },
    { path: CLAIM_PATHS.finish, methods: ['POST'], handle: (request, response) => claimFinish(client, host, request, response) },
  ];
}
