// The WordPress plugin's endpoints (PROTOCOL.md), mounted on PostFlow's server by src/app.ts: POST /wordpress/events,
// GET /wordpress/ping and GET /wordpress/status. Every request is checked in the same order before anything is
// written: the site key (401 unknown, 403 disconnected), then the signature and its replay window (401), then the
// body (413 too large, 400 malformed or against the schema, with each field's path and rule). An event is only
// queued here (the source_event job does the work), so the answer is quick.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readCappedBody } from '../../../src/security/requestBody.js';
import type { PluginRoute, WordPressHost, WordPressSite } from './host.js';
import { itemChange, parseEvent, type FieldIssue } from './payload.js';
import { SITE_HEADER, verifySignature } from './signature.js';

export const WORDPRESS_PATHS = { events: '/wordpress/events', ping: '/wordpress/ping', status: '/wordpress/status' } as const;

/** The contract's cap on an event's body. */
export const MAX_EVENT_BYTES = 256 * 1024;
export const MAX_STATUS_ITEMS = 50;
const MAX_EVENT_ID = 200;

export function wordpressRoutes(host: WordPressHost): PluginRoute[] {
  return [
    { path: WORDPRESS_PATHS.events, methods: ['POST'], handle: (request, response) => guarded(host, response, () => receiveEvent(host, request, response)) },
    { path: WORDPRESS_PATHS.ping, methods: ['GET'], handle: (request, response) => guarded(host, response, () => ping(host, request, response)) },
    { path: WORDPRESS_PATHS.status, methods: ['GET'], handle: (request, response) => guarded(host, response, () => status(host, request, response)) },
  ];
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  response.end(text);
}

function refuse(response: ServerResponse, status: number, code: string, message: string, fields?: FieldIssue[], headers?: Record<string, string>): void {
  send(response, status, { error: { code, message, ...(fields && { fields }) } }, headers);
}

/** Anything unexpected (the database gone) answers 500, which the plugin retries with backoff. */
async function guarded(host: WordPressHost, response: ServerResponse, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    host.logger.error('a WordPress request failed', { error: error instanceof Error ? error.message : String(error) });
    if (!response.headersSent) refuse(response, 500, 'INTERNAL', 'PostFlow could not take this now; send it again later');
  }
}

/** The site the request names, signed with its secret; null once the refusal is answered. */
async function authenticate(host: WordPressHost, request: IncomingMessage, response: ServerResponse, signed: string): Promise<WordPressSite | null> {
  const siteKey = request.headers[SITE_HEADER];
  const site = typeof siteKey === 'string' && siteKey !== '' ? await host.findSite(siteKey) : null;
  if (!site) {
    refuse(response, 401, 'UNAUTHENTICATED', `unknown site key: send the key PostFlow gave in the ${SITE_HEADER} header`);
    return null;
  }
  if (site.status !== 'ACTIVE' || !site.signingSecret) {
    refuse(response, 403, 'FORBIDDEN', 'This site is disconnected in PostFlow');
    return null;
  }
  const verdict = verifySignature(site.signingSecret, request.headers, signed);
  if (!verdict.ok) {
    host.logger.warn('refused a WordPress request', { sourceId: site.sourceId, reason: verdict.reason });
    refuse(response, 401, 'UNAUTHENTICATED', verdict.reason);
    return null;
  }
  return site;
}

async function receiveEvent(host: WordPressHost, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readCappedBody(request, MAX_EVENT_BYTES);
  if (!body) return refuse(response, 413, 'PAYLOAD_TOO_LARGE', `an event is at most ${MAX_EVENT_BYTES} bytes`, undefined, { connection: 'close' });
  const site = await authenticate(host, request, response, body.toString('utf8'));
  if (!site) return;
  const eventId = String(request.headers['webhook-id']);
  if (eventId.length > MAX_EVENT_ID) {
    return refuse(response, 400, 'VALIDATION', 'webhook-id is too long', [{ path: 'webhook-id', rule: 'max', message: `at most ${MAX_EVENT_ID} characters` }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return refuse(response, 400, 'VALIDATION', 'the body is not JSON', [{ path: '', rule: 'json', message: 'the body is not JSON' }]);
  }
  const parsed = parseEvent(json);
  if (!parsed.ok) return refuse(response, 400, 'VALIDATION', 'the event does not follow the protocol', parsed.fields);
  const channelIds = parsed.event.share.channel_ids;
  const foreign = channelIds.length ? await host.foreignChannels(site.sourceId, channelIds) : [];
  if (foreign.length) {
    const fields = foreign.map((id) => ({ path: `share.channel_ids.${channelIds.indexOf(id)}`, rule: 'exists', message: `channel ${id} is not a channel of this workspace` }));
    return refuse(response, 400, 'VALIDATION', 'share.channel_ids names channels this workspace does not have', fields);
  }
  // A repeat of an event already handled is answered, not queued: no job carrying its body again, no row per repeat.
  if (await host.handledEvent(site.sourceId, eventId)) return send(response, 200, { accepted: true, event_id: eventId, duplicate: true });
  await host.queueEvent({ sourceId: site.sourceId, eventId, change: itemChange(parsed.event) });
  send(response, 202, { accepted: true, event_id: eventId, duplicate: false });
}

async function ping(host: WordPressHost, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const site = await authenticate(host, request, response, request.url ?? '');
  if (!site) return;
  send(response, 200, await host.ping(site.sourceId));
}

async function status(host: WordPressHost, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const site = await authenticate(host, request, response, request.url ?? '');
  if (!site) return;
  const query = new URL(request.url ?? '/', 'http://postflow.invalid').searchParams.get('items') ?? '';
  const ids = query === '' ? [] : [...new Set(query.split(','))];
  const bad = ids.findIndex((id) => !/^[A-Za-z0-9_-]{1,64}$/.test(id));
  if (bad !== -1)
    return refuse(response, 400, 'VALIDATION', 'items is a comma-separated list of item ids', [
      { path: 'items', rule: 'format', message: `"${ids[bad]!.slice(0, 64)}" is not an item id` },
    ]);
  if (ids.length > MAX_STATUS_ITEMS) {
    return refuse(response, 400, 'VALIDATION', `at most ${MAX_STATUS_ITEMS} items at once`, [{ path: 'items', rule: 'max', message: `at most ${MAX_STATUS_ITEMS} items` }]);
  }
  const deliveries = ids.length ? await host.deliveries(site.sourceId, ids) : new Map();
  send(response, 200, { items: ids.map((id) => ({ id, deliveries: deliveries.get(id) ?? [] })) });
}
