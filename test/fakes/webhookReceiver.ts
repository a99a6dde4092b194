// A webhook receiver that behaves as PostFlow tells receivers to: verify X-PostFlow-Signature over the raw
// body (401 when wrong), dedupe on Idempotency-Key (a repeat gets the first answer back), answer { id, url }.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { verifyWebhookSignature } from '../../src/integrations/webhook.js';
import type { ContractFake } from '../integrations/providerContract.js';
import { Holder, ResponseScript, sendJson, sendText, startHttpServer, waitFor, type FakeServer } from './httpFake.js';

export interface WebhookScriptedResponse {
  status: number;
  /** JSON body; a string is sent as text/plain. Defaults to { message } for 4xx and a text page for 5xx. */
  body?: unknown;
  /** Sets Retry-After (seconds, or an HTTP-date string). */
  retryAfter?: number | string;
  headers?: Record<string, string>;
}

export interface WebhookDelivery {
  id: string;
  idempotencyKey: string;
  deliveryId: string | null;
  timestamp: string | null;
  signature: string | null;
  rawBody: string;
  body: Record<string, unknown>;
  receivedAt: Date;
}

export interface WebhookRequest {
  path: string;
  idempotencyKey: string | null;
  headers: IncomingMessage['headers'];
  rawBody: string;
  signatureValid: boolean;
  /** Whether this was a repeat of an already accepted Idempotency-Key. */
  duplicate: boolean;
  responseStatus: number | null;
  receivedAt: Date;
}

export interface WebhookReceiverOptions {
  secret: string;
  toleranceSeconds?: number;
  /** How long the receiver takes to answer each request (a slow receiver keeps publishes in flight). */
  latencyMs?: number;
}

export interface WebhookReceiver extends FakeServer {
  /** A URL to configure as the channel's webhook URL (any path on `url` works; this one reads better). */
  hookUrl: string;
  /** Deliveries accepted for the first time (one per Idempotency-Key). */
  deliveries: WebhookDelivery[];
  /** Every request, including bad signatures, scripted failures and duplicates. */
  requests: WebhookRequest[];
  failNext(count: number, response: WebhookScriptedResponse): void;
  /** Accept (and record) deliveries but answer only on release(). */
  hold(): void;
  release(): Promise<void>;
  waitForHeld(count?: number, timeoutMs?: number): Promise<void>;
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  /** The receiver's owner rotates the secret: deliveries signed with the old one get 401 from now on. */
  rotateSecret(secret: string): void;
  /** The next new delivery is accepted and remembered (a retry is deduplicated) but never answered. */
  loseNextAnswer(): void;
}

export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const deliveries: WebhookDelivery[] = [];
  const requests: WebhookRequest[] = [];
  const script = new ResponseScript<WebhookScriptedResponse>();
  const holder = new Holder();
  const answered = new Map<string, { status: number; body: unknown }>();
  let secret = options.secret;
  let answersToLose = 0;
  let baseUrl = '';

  function header(req: IncomingMessage, name: string): string | null {
    const value = req.headers[name];
    return typeof value === 'string' ? value : null;
  }

  function sendScripted(res: ServerResponse, r: WebhookScriptedResponse): void {
    const headers: Record<string, string> = { ...r.headers };
    if (r.retryAfter !== undefined) headers['Retry-After'] = String(r.retryAfter);
    if (typeof r.body === 'string') return sendText(res, r.status, r.body, headers, 'text/plain; charset=utf-8');
    if (r.body === undefined && r.status >= 500) return sendText(res, r.status, 'upstream exploded', headers, 'text/plain');
    sendJson(res, r.status, r.body ?? { message: `Scripted HTTP ${r.status}` }, headers);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
    const rawBody = raw.toString('utf8');
    const key = header(req, 'idempotency-key');
    const entry: WebhookRequest = {
      path: new URL(req.url ?? '/', 'http://x').pathname,
      idempotencyKey: key,
      headers: req.headers,
      rawBody,
      signatureValid: false,
      duplicate: false,
      responseStatus: null,
      receivedAt: new Date(),
    };
    requests.push(entry);
    const reply = (status: number, body: unknown) => {
      entry.responseStatus = status;
      sendJson(res, status, body);
    };
    if (req.method !== 'POST') return reply(405, { message: 'Only POST' });
    entry.signatureValid = verifyWebhookSignature({
      secret,
      timestamp: header(req, 'x-postflow-timestamp'),
      rawBody,
      signature: header(req, 'x-postflow-signature'),
      toleranceSeconds: options.toleranceSeconds,
    });
    if (!entry.signatureValid) return reply(401, { message: 'Invalid signature' });
    if (!key) return reply(400, { message: 'Missing Idempotency-Key' });

    const first = answered.get(key);
    if (first) {
      entry.duplicate = true;
      entry.responseStatus = first.status;
      return sendJson(res, first.status, first.body, { 'Idempotent-Replayed': 'true' });
    }
    const scripted = script.take('hook');
    if (scripted) {
      entry.responseStatus = scripted.status;
      return sendScripted(res, scripted);
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(rawBody) as Record<string, unknown>;
    } catch {
      return reply(400, { message: 'Body is not JSON' });
    }
    const id = `rcv_${deliveries.length + 1}`;
    deliveries.push({
      id,
      idempotencyKey: key,
      deliveryId: header(req, 'x-postflow-delivery'),
      timestamp: header(req, 'x-postflow-timestamp'),
      signature: header(req, 'x-postflow-signature'),
      rawBody,
      body,
      receivedAt: new Date(),
    });
    const result = { status: 200, body: { id, url: `${baseUrl}/posts/${id}` } };
    // Remembered before answering, so a retry racing a held answer is still deduplicated.
    answered.set(key, result);
    if (answersToLose > 0) {
      answersToLose -= 1;
      return;
    }
    if (holder.isHolding) {
      holder.park(() => reply(result.status, result.body));
      return;
    }
    reply(result.status, result.body);
  }

  const server = await startHttpServer(handle);
  baseUrl = server.url;
  return {
    ...server,
    hookUrl: `${server.url}/hook`,
    deliveries,
    requests,
    failNext: (count, response) => script.failNext(count, response, 'hook'),
    hold: () => holder.hold(),
    release: () => holder.release(),
    waitForHeld: (count, timeoutMs) => holder.waitForHeld(count, timeoutMs),
    waitForRequests: (count, timeoutMs) => waitFor(() => requests.length >= count, timeoutMs, `${count} webhook request(s)`),
    rotateSecret: (next) => {
      secret = next;
    },
    loseNextAnswer: () => {
      answersToLose += 1;
    },
  };
}

const CONTRACT_VALIDATION_MESSAGE = 'text must not mention unreleased products';

/**
 * The contract suite's view of the receiver. The channel's credential is its signing secret, which never expires:
 * "expired" is the receiver rotating it, and there is no renewal.
 */
export function webhookContractFake(receiver: WebhookReceiver): ContractFake {
  return {
    url: receiver.url,
    stop: () => receiver.stop(),
    createdTexts: () => receiver.deliveries.map((d) => String(d.body.text ?? '')),
    validationMessage: CONTRACT_VALIDATION_MESSAGE,
    failNextPublish(kind, options = {}) {
      if (kind === 'validation') receiver.failNext(1, { status: 422, body: { message: CONTRACT_VALIDATION_MESSAGE } });
      else if (kind === 'server_error') receiver.failNext(1, { status: 503 });
      else receiver.failNext(1, { status: 429, retryAfter: options.resetInSeconds ?? 60 });
    },
    expireAccessToken: () => receiver.rotateSecret(`rotated-${Math.random().toString(36).slice(2)}-secret`),
    revokeRefresh: () => undefined,
    loseNextPublishAnswer: () => receiver.loseNextAnswer(),
  };
}
