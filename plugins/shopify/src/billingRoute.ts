// GET /shopify/billing/return: where Shopify sends the merchant after the charge's approval page (approved or not),
// with charge_id added to the returnUrl PostFlow gave. The link is PostFlow's own, signed per source, so a stranger
// cannot make PostFlow call Shopify; PostFlow then reads the shop's subscriptions again (as the webhook does) and
// says what the plan is now.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ShopifyAppHost } from './host.js';
import { sendPage } from './pages.js';

export const BILLING_RETURN_PATH = '/shopify/billing/return';

export async function billingReturn(host: ShopifyAppHost, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (!host.billing) return sendPage(response, 404, 'Not found', ['This server does not charge for plans through Shopify.']);
  const query = new URL(request.url ?? '/', 'http://postflow').searchParams;
  const sourceId = query.get('source') ?? '';
  const signature = query.get('signature') ?? '';
  if (!/^[0-9a-f-]{36}$/i.test(sourceId) || !signature) return sendPage(response, 400, 'PostFlow billing', ['This link is incomplete.']);
  try {
    const synced = await host.billing.returned(sourceId, signature);
    if (!synced) return sendPage(response, 400, 'PostFlow billing', ['This link is not one PostFlow made.']);
    const words =
      synced.status === 'ACTIVE'
        ? `Thank you: the ${synced.plan} plan is active.`
        : synced.status === 'PENDING'
          ? 'Shopify has not confirmed the charge yet; the plan changes as soon as it does.'
          : `The charge is ${String(synced.status).toLowerCase()}: the workspace is on the ${synced.plan} plan.`;
    sendPage(response, 200, 'PostFlow billing', [words, 'You may close this page.']);
  } catch (error) {
    host.logger.error('could not read the Shopify subscription on return', { sourceId, error: error instanceof Error ? error.message : String(error) });
    sendPage(response, 502, 'PostFlow billing', ['Shopify could not be asked just now. The plan changes as soon as Shopify tells PostFlow.']);
  }
}
