// Stripe's side of billing over HTTP, routed only when billing is configured (STRIPE_SECRET_KEY): POST
// /stripe/webhooks, whose raw body the signature covers (so it is read as bytes, never parsed first), and the page
// Stripe sends people back to after a checkout or the portal.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import { receiveStripeWebhook } from '../services/billing.js';
import type { ServiceDeps } from '../services/deps.js';
import { sendJson, type Route } from './routes.js';
import { readCappedBody } from '../security/requestBody.js';

export const STRIPE_WEBHOOK_PATH = '/stripe/webhooks';
export const BILLING_RETURN_PATH = '/billing/return';
/** Stripe's events are a few kilobytes; an invoice with many lines stays far below this. */
export const MAX_WEBHOOK_BYTES = 1024 * 1024;

async function handleWebhook(services: ServiceDeps, logger: Logger, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const payload = await readCappedBody(request, MAX_WEBHOOK_BYTES);
  if (!payload) return sendJson(response, 413, { error: `a Stripe event is at most ${MAX_WEBHOOK_BYTES} bytes here` }, { connection: 'close' });
  const header = request.headers['stripe-signature'];
  try {
    const outcome = await receiveStripeWebhook(services, payload, typeof header === 'string' ? header : undefined);
    if (outcome === 'refused') {
      logger.warn('refused a Stripe webhook: its signature does not verify', { signed: typeof header === 'string' });
      return sendJson(response, 400, { error: 'the Stripe-Signature header is missing, too old, or does not verify with STRIPE_WEBHOOK_SECRET' });
    }
    sendJson(response, 200, { received: true, outcome });
  } catch (error) {
    // Nothing was kept (one transaction): a non-2xx answer makes Stripe deliver the event again later.
    logger.error('could not apply a Stripe event', { error: String((error as Error)?.stack ?? error) });
    sendJson(response, 500, { error: 'the event could not be applied now; Stripe will send it again' });
  }
}

const RETURN_PAGE = `<!doctype html><meta charset="utf-8"><title>PostFlow billing</title>
<p>Back from Stripe. A new plan applies as soon as Stripe confirms the payment, usually within seconds:
<code>query { billing { plan status } }</code> shows it. You may close this page.</p>`;

export function stripeRoutes(services: ServiceDeps, logger: Logger): Route[] {
  return [
    { path: STRIPE_WEBHOOK_PATH, methods: ['POST'], handle: (request, response) => handleWebhook(services, logger, request, response) },
    {
      path: BILLING_RETURN_PATH,
      methods: ['GET'],
      handle: (_request, response) => {
        response.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'content-length': Buffer.byteLength(RETURN_PAGE),
          'content-security-policy': "default-src 'none'",
        });
        response.end(RETURN_PAGE);
      },
    },
  ];
}
