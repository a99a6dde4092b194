// The Shopify app from PostFlow's side (issue 13, section 2): an install started from the workspace. Who may call
// it is src/domain/roles.ts's table; src/services/shopifyApp.ts does the work, plugins/shopify/ the rest over HTTP.
import { builder } from './builder.js';
import { requireAuth } from './context.js';
import { startShopifyInstall } from '../services/shopifyApp.js';

const ShopifyInstallLinkType = builder.objectRef<{ url: string; expiresAt: Date; scopes: string[] }>('ShopifyInstallLink').implement({
  fields: (t) => ({
    url: t.exposeString('url', {
      description: "PostFlow's /shopify/auth link for the shop's owner to open in a browser: it leads to Shopify's approval page and back. Good once.",
    }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', description: 'The link works until then (10 minutes).' }),
    scopes: t.exposeStringList('scopes', { description: 'The access scopes the install asks Shopify for (SHOPIFY_SCOPES, and read_inventory for back-in-stock posts).' }),
  }),
});

builder.mutationFields((t) => ({
  connectShopifyStart: t.field({
    type: ShopifyInstallLinkType,
    description:
      "Starts connecting a Shopify shop to this workspace: the link binds the install to the workspace and to you. The shop's owner opens it, " +
      'approves the app on Shopify, and the shop becomes a source (or its source reconnects). The plan limit on sources applies then. CONFLICT ' +
      'without a Shopify app on this server, or while the shop is ACTIVE in another workspace (a stopped one there is retired).',
    args: {
      shop: t.arg.string({ required: true, description: 'The shop: your-store.myshopify.com (an admin URL of it is taken too).' }),
      backInStock: t.arg.boolean({
        description: "Back-in-stock posts are wanted: the install also asks for read_inventory (asked anyway when the shop's source here has BACK_IN_STOCK in its rules).",
      }),
    },
    resolve: (_root, args, ctx) => startShopifyInstall(ctx.services, requireAuth(ctx), { shop: args.shop, backInStock: args.backInStock }),
  }),
}));
