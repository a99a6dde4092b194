// Plumbing shared by the loopback fakes: a node:http server on 127.0.0.1:0 that can be stopped even with
// requests parked, body parsing for the encodings platforms accept, a queue of scripted answers and a
// "hold" switch that accepts requests but answers only when released (or never, if the test kills us).
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse, raw: Buffer) => void | Promise<void>;

export interface FakeServer {
  /** Base URL without a trailing slash, e.g. "http://127.0.0.1:41234". */
  url: string;
  server: Server;
  /** Closes the server and drops open (held) connections, so pending clients see a reset. */
  stop(): Promise<void>;
}

export async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startHttpServer(handler: Handler): Promise<FakeServer> {
  const server = createServer((req, res) => {
    readRaw(req)
      .then((raw) => handler(req, res, raw))
      .catch((error: unknown) => {
        // A bug in a fake must show up as a loud 500, not as a hanging test.
        if (!res.headersSent) sendJson(res, 500, { error: `fake crashed: ${String(error)}` });
        else res.destroy();
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

export function sendText(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}, contentType = 'text/html; charset=utf-8'): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { 'Content-Type': contentType, ...headers });
  res.end(body);
}

export type ParsedBody =
  { kind: 'json'; value: unknown } | { kind: 'form'; value: URLSearchParams } | { kind: 'multipart'; value: FormData } | { kind: 'empty' } | { kind: 'invalid'; error: string };

/** Parses a request body the way a Rails or Bot API server would: JSON, urlencoded or multipart. */
export async function parseBody(req: IncomingMessage, raw: Buffer): Promise<ParsedBody> {
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (raw.length === 0) return { kind: 'empty' };
  if (type.startsWith('application/json')) {
    try {
      return { kind: 'json', value: JSON.parse(raw.toString('utf8')) as unknown };
    } catch (error) {
      return { kind: 'invalid', error: String(error) };
    }
  }
  if (type.startsWith('application/x-www-form-urlencoded')) {
    return { kind: 'form', value: new URLSearchParams(raw.toString('utf8')) };
  }
  if (type.startsWith('multipart/form-data')) {
    try {
      // undici's Response parses multipart exactly as a browser would.
      const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData();
      return { kind: 'multipart', value: form };
    } catch (error) {
      return { kind: 'invalid', error: String(error) };
    }
  }
  return { kind: 'invalid', error: `unsupported content type "${type}"` };
}

/** Scripted answers, consumed in order by the route they were queued for. */
export class ResponseScript<R> {
  private readonly queue: { route: string; response: R }[] = [];

  /** The next `count` requests on `route` get `response` instead of the real behaviour. */
  failNext(count: number, response: R, route: string): void {
    for (let i = 0; i < count; i += 1) this.queue.push({ route, response });
  }

  /** Removes and returns the first scripted answer for this route ("*" entries match any route). */
  take(route: string): R | undefined {
    const index = this.queue.findIndex((entry) => entry.route === route || entry.route === '*');
    if (index === -1) return undefined;
    const [entry] = this.queue.splice(index, 1);
    return entry?.response;
  }

  get pending(): number {
    return this.queue.length;
  }

  clear(): void {
    this.queue.length = 0;
  }
}

/** Parks answers while holding; each parked answer runs when released (if its client is still there). */
export class Holder {
  private holding = false;
  private readonly parked: (() => void | Promise<void>)[] = [];
  /** How many requests were parked since the fake started (released ones included). */
  heldTotal = 0;

  hold(): void {
    this.holding = true;
  }

  get isHolding(): boolean {
    return this.holding;
  }

  get heldNow(): number {
    return this.parked.length;
  }

  park(answer: () => void | Promise<void>): void {
    this.parked.push(answer);
    this.heldTotal += 1;
  }

  /** Stops holding and sends every parked answer. */
  async release(): Promise<void> {
    this.holding = false;
    for (const answer of this.parked.splice(0)) await answer();
  }

  /** Resolves once `count` requests have been parked in total. */
  waitForHeld(count = 1, timeoutMs = 5000): Promise<void> {
    return waitFor(() => this.heldTotal >= count, timeoutMs, `${count} held request(s)`);
  }
}

/** Counts requests per key in fixed windows, for fakes of platforms that throttle (and say so in headers). */
export class FixedWindowLimiter {
  private readonly windows = new Map<string, { start: number; used: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  hit(key: string): { limit: number; remaining: number; resetAt: number; exceeded: boolean } {
    const start = Math.floor(this.now() / this.windowMs) * this.windowMs;
    const seen = this.windows.get(key);
    const window = seen && seen.start === start ? seen : { start, used: 0 };
    window.used += 1;
    this.windows.set(key, window);
    const remaining = Math.max(0, this.limit - window.used);
    return { limit: this.limit, remaining, resetAt: start + this.windowMs, exceeded: window.used > this.limit };
  }
}

export async function waitFor(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A port nothing listens on (bound, then released), for connection-refused tests. */
/** The PKCE S256 challenge of a verifier (RFC 7636), as the networks' authorization servers compute it. */
export const s256 = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');

/** Fetches an image the way the networks do (from its URL, when the post is made): an image answer or nothing. */
export async function fetchable(url: string | null): Promise<boolean> {
  if (!url) return false;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    const type = res.headers.get('content-type') ?? '';
    await res.arrayBuffer();
    return res.ok && type.startsWith('image/');
  } catch {
    return false;
  }
}

export async function unusedPort(): Promise<number> {
  const fake = await startHttpServer(() => undefined);
  const { port } = fake.server.address() as AddressInfo;
  await fake.stop();
  return port;
}

// The smallest valid PNG (1x1, transparent): enough for a platform to accept it as an image.
export const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

export interface MediaHost extends FakeServer {
  /** A URL serving a PNG; names starting with "missing" answer 404, names starting with "broken" 500. */
  urlFor(name: string): string;
  /** Paths requested so far. */
  requests: string[];
}

/** Serves the media files that posts link to, so providers that re-upload media have something to fetch. */
export async function startMediaHost(): Promise<MediaHost> {
  const requests: string[] = [];
  const fake = await startHttpServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(path);
    const name = path.slice(1);
    if (name.startsWith('missing')) return sendText(res, 404, 'Not Found', {}, 'text/plain');
    if (name.startsWith('broken')) return sendText(res, 500, 'Internal Server Error', {}, 'text/plain');
    res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': String(TINY_PNG.length) });
    res.end(TINY_PNG);
  });
  return { ...fake, urlFor: (name) => `${fake.url}/${encodeURIComponent(name)}`, requests };
}
