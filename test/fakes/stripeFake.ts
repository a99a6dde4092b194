// A loopback Stripe: the parts of its API that billing calls (POST /v1/customers, /v1/checkout/sessions,
// /v1/billing_portal/sessions, GET /v1/subscriptions/:id) with form-encoded bodies, Bearer auth with the secret key,
// Stripe's error JSON ({ error: { type, code, param, message } }) and Idempotency-Key replays; plus Stripe's side of
// webhooks: events built like Stripe's and signed by this file's own HMAC (t=<unix>,v1=<hex HMAC-SHA256 of
// "<t>.<payload>">, as Stripe documents it), so the library's verification is checked against an independent signer.
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseBody, sendJson, startHttpServer, type FakeServer } from './httpFake.js';

type Json = Record<string, unknown>;

export interface StripeRequest {
  method: string;
  path: string;
  /** The form body as Stripe reads it: `line_items[0][price]=x` becomes { line_items: [{ price: 'x' }] }. */
  params: Json;
  idempotencyKey: string | null;
  authorized: boolean;
}

export interface FakeSubscription extends Json {
  id: string;
  object: 'subscription';
  customer: string;
  status: string;
  cancel_at_period_end: boolean;
  created: number;
  items: { object: 'list'; data: { id: string; object: 'subscription_item'; price: { id: string; object: 'price' }; quantity: number; current_period_end: number }[] };
}

export interface StripeEvent extends Json {
  id: string;
  object: 'event';
  type: string;
  created: number;
  data: { object: Json };
}

export interface StripeFake extends FakeServer {
  secretKey: string;
  webhookSecret: string;
  requests: StripeRequest[];
  customers: Map<string, Json>;
  checkoutSessions: Map<string, Json & { price: string }>;
  subscriptions: Map<string, FakeSubscription>;
  /** What a customer paying the checkout does: a subscription for its customer and price (its status `status`). */
  completeCheckout(sessionId: string, status?: string): { session: Json; subscription: FakeSubscription };
  /** Changes a subscription as the portal or Stripe's billing would; answers a copy of it as it is now. */
  updateSubscription(id: string, change: { status?: string; price?: string; cancelAtPeriodEnd?: boolean }): FakeSubscription;
  /** An event as Stripe sends it, about a snapshot of `object` (taken now: later changes do not show in it). */
  event(type: string, object: Json, createdAt?: Date): StripeEvent;
  /** A Stripe-Signature header for a payload. */
  sign(payload: string, options?: { secret?: string; timestamp?: number }): string;
  /** POSTs an event (or any payload) to a webhook endpoint as Stripe does: signed unless `signature` replaces the header (null: none). */
  deliver(url: string, event: StripeEvent | string, options?: { secret?: string; timestamp?: number; signature?: string | null }): Promise<{ status: number; body: Json }>;
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;
const now = () => Math.floor(Date.now() / 1000);
const copy = <T>(value: T): T => structuredClone(value);

/** Stripe's form encoding read back: brackets make objects, numeric brackets make arrays. */
function paramsOf(form: URLSearchParams): Json {
  const root: Json = {};
  for (const [key, value] of form) {
    const path = key.split(/\[|\]\[|\]/).filter((part) => part !== '');
    let node: Record<string, unknown> = root;
    path.forEach((part, i) => {
      if (i === path.length - 1) node[part] = value;
      else node = (node[part] ??= /^\d+$/.test(path[i + 1]!) ? [] : {}) as Record<string, unknown>;
    });
  }
  return root;
}

interface Answer {
  status: number;
  body: unknown;
}
const stripeError = (res: ServerResponse, status: number, error: { type: string; message: string; code?: string; param?: string }) => sendJson(res, status, { error });
const missing = (param: string): Answer => ({
  status: 400,
  body: { error: { type: 'invalid_request_error', code: 'parameter_missing', param, message: `Missing required param: ${param}.` } },
});
const noSuch = (what: string, given: string, param = 'id'): Answer => ({
  status: 404,
  body: { error: { type: 'invalid_request_error', code: 'resource_missing', param, message: `No such ${what}: '${given}'` } },
});

export async function startStripeFake(): Promise<StripeFake> {
  const secretKey = `sk_test_${randomBytes(16).toString('hex')}`;
  const webhookSecret = `whsec_${randomBytes(24).toString('base64url')}`;
  const requests: StripeRequest[] = [];
  const customers = new Map<string, Json>();
  const checkoutSessions = new Map<string, Json & { price: string }>();
  const subscriptions = new Map<string, FakeSubscription>();
  const replays = new Map<string, { path: string; body: string; status: number; response: unknown }>();

  function route(req: IncomingMessage, path: string, params: Json): Answer | 'unhandled' {
    if (req.method === 'POST' && path === '/v1/customers') {
      const customer = { id: id('cus'), object: 'customer', name: params.name ?? null, email: params.email ?? null, metadata: params.metadata ?? {}, created: now() };
      customers.set(customer.id, customer);
      return { status: 200, body: customer };
    }
    if (req.method === 'POST' && path === '/v1/checkout/sessions') {
      for (const param of ['mode', 'success_url']) if (!params[param]) return missing(param);
      const price = (params.line_items as Json[] | undefined)?.[0]?.price;
      if (typeof price !== 'string') return missing('line_items[0][price]');
      if (typeof params.customer === 'string' && !customers.has(params.customer)) return noSuch('customer', params.customer, 'customer');
      const sessionId = id('cs_test');
      const session = {
        id: sessionId,
        object: 'checkout.session',
        mode: params.mode,
        customer: params.customer ?? null,
        client_reference_id: params.client_reference_id ?? null,
        success_url: params.success_url,
        cancel_url: params.cancel_url ?? null,
        subscription: null,
        status: 'open',
        payment_status: 'unpaid',
        url: `https://checkout.stripe.test/c/pay/${sessionId}`,
        price,
      };
      checkoutSessions.set(sessionId, session);
      const { price: _price, ...answer } = session;
      return { status: 200, body: answer };
    }
    if (req.method === 'POST' && path === '/v1/billing_portal/sessions') {
      if (typeof params.customer !== 'string') return missing('customer');
      if (!customers.has(params.customer)) return noSuch('customer', params.customer, 'customer');
      const sessionId = id('bps');
      return {
        status: 200,
        body: {
          id: sessionId,
          object: 'billing_portal.session',
          customer: params.customer,
          return_url: params.return_url ?? null,
          url: `https://billing.stripe.test/p/session/${sessionId}`,
        },
      };
    }
    return 'unhandled';
  }

  const fake = await startHttpServer(async (req, res, raw) => {
    const url = new URL(req.url ?? '/', 'http://stripe.test');
    const body = await parseBody(req, raw);
    const params = body.kind === 'form' ? paramsOf(body.value) : {};
    const authorized = req.headers.authorization === `Bearer ${secretKey}`;
    const idempotencyKey = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : null;
    requests.push({ method: req.method ?? 'GET', path: url.pathname, params, idempotencyKey, authorized });
    if (!authorized) {
      const shown = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
      return stripeError(res, 401, {
        type: 'invalid_request_error',
        message: `Invalid API Key provided: ${shown.slice(0, 8)}${'*'.repeat(Math.max(0, shown.length - 12))}${shown.slice(-4)}`,
      });
    }
    if (body.kind === 'invalid' || body.kind === 'json') return stripeError(res, 400, { type: 'invalid_request_error', message: 'Stripe takes form-encoded bodies' });

    const subscriptionPath = /^\/v1\/subscriptions\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && subscriptionPath) {
      const found = subscriptions.get(decodeURIComponent(subscriptionPath[1]!));
      const answer = found ? { status: 200, body: found } : noSuch('subscription', subscriptionPath[1]!);
      return sendJson(res, answer.status, answer.body);
    }
    if (req.method !== 'POST') return stripeError(res, 404, { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${url.pathname})` });

    // Stripe keeps an idempotent request's first answer and replays it; the same key with other parameters is an error.
    const earlier = idempotencyKey ? replays.get(idempotencyKey) : undefined;
    if (earlier) {
      if (earlier.path !== url.pathname || earlier.body !== raw.toString('utf8')) {
        return stripeError(res, 400, {
          type: 'idempotency_error',
          message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}'.`,
        });
      }
      return sendJson(res, earlier.status, earlier.response, { 'Idempotent-Replayed': 'true' });
    }
    const answer = route(req, url.pathname, params);
    if (answer === 'unhandled') return stripeError(res, 404, { type: 'invalid_request_error', message: `Unrecognized request URL (POST: ${url.pathname})` });
    if (idempotencyKey) replays.set(idempotencyKey, { path: url.pathname, body: raw.toString('utf8'), status: answer.status, response: answer.body });
    sendJson(res, answer.status, answer.body, { 'Request-Id': id('req') });
  });

  const sign = (payload: string, options: { secret?: string; timestamp?: number } = {}) => {
    const timestamp = options.timestamp ?? now();
    const mac = createHmac('sha256', options.secret ?? webhookSecret)
      .update(`${timestamp}.${payload}`, 'utf8')
      .digest('hex');
    return `t=${timestamp},v1=${mac}`;
  };

  return {
    ...fake,
    secretKey,
    webhookSecret,
    requests,
    customers,
    checkoutSessions,
    subscriptions,
    completeCheckout(sessionId, status = 'active') {
      const session = checkoutSessions.get(sessionId);
      if (!session || typeof session.customer !== 'string') throw new Error(`no checkout session ${sessionId} with a customer`);
      const subscription: FakeSubscription = {
        id: id('sub'),
        object: 'subscription',
        customer: session.customer,
        status,
        cancel_at_period_end: false,
        created: now(),
        metadata: {},
        items: {
          object: 'list',
          data: [{ id: id('si'), object: 'subscription_item', price: { id: session.price, object: 'price' }, quantity: 1, current_period_end: now() + 30 * 86_400 }],
        },
      };
      subscriptions.set(subscription.id, subscription);
      Object.assign(session, { status: 'complete', payment_status: 'paid', subscription: subscription.id });
      const { price: _price, ...shown } = session;
      return { session: copy(shown), subscription: copy(subscription) };
    },
    updateSubscription(subscriptionId, change) {
      const subscription = subscriptions.get(subscriptionId);
      if (!subscription) throw new Error(`no subscription ${subscriptionId}`);
      if (change.status) subscription.status = change.status;
      if (change.cancelAtPeriodEnd !== undefined) subscription.cancel_at_period_end = change.cancelAtPeriodEnd;
      if (change.price) subscription.items.data[0]!.price = { id: change.price, object: 'price' };
      return copy(subscription);
    },
    event(type, object, createdAt = new Date()) {
      return {
        id: id('evt'),
        object: 'event',
        api_version: '2026-10-28.endive',
        created: Math.floor(createdAt.getTime() / 1000),
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        type,
        data: { object: copy(object) },
      };
    },
    sign,
    async deliver(url, event, options = {}) {
      const payload = typeof event === 'string' ? event : JSON.stringify(event, null, 2);
      const signature = options.signature === undefined ? sign(payload, options) : options.signature;
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          ...(signature !== null && { 'stripe-signature': signature }),
        },
        body: payload,
      });
      const text = await response.text();
      let body: Json;
      try {
        body = JSON.parse(text) as Json;
      } catch {
        body = { text };
      }
      return { status: response.status, body };
    },
  };
}
