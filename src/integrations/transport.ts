// The transport under http.ts: node:http / node:https with keep-alive Agents, one time limit over the whole
// exchange, redirects followed as fetch follows them, compressed bodies decoded, bodies capped, and every hop held
// to the outbound policy (src/security/outbound/).
import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { OutboundRefused, type OutboundPolicy } from '../security/outbound/policy.js';

// Sockets stay open between publishes (keep-alive), up to 256 per host (far above WORKER_CONCURRENCY's default);
// an idle one is closed after 4 s, or 1 s before the server's own Keep-Alive timeout when it announces one (node
// does that), so a reused socket rarely races a server close.
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 256, maxFreeSockets: 256, scheduling: 'lifo', timeout: 4000 } as const;

interface Pools {
  /** For the operator's own origins: no checks. */
  exempt: { http: http.Agent; https: https.Agent };
  /** Every new socket resolves its host through the policy's lookup; a reused one was checked when it connected. */
  guarded: { http: http.Agent; https: https.Agent };
}

// One set of pools per policy (one per process outside tests), so a socket opened under one policy is never
// reused under another.
const poolsByPolicy = new WeakMap<OutboundPolicy, Pools>();

function poolsFor(policy: OutboundPolicy): Pools {
  let pools = poolsByPolicy.get(policy);
  if (!pools) {
    const guarded = { ...AGENT_OPTIONS, lookup: policy.lookup };
    pools = {
      exempt: { http: new http.Agent(AGENT_OPTIONS), https: new https.Agent(AGENT_OPTIONS) },
      guarded: { http: new http.Agent(guarded), https: new https.Agent(guarded) },
    };
    poolsByPolicy.set(policy, pools);
  }
  return pools;
}

/** The agent for one hop; throws OutboundRefused for a URL refused by its form (scheme, user info, name, IP literal). */
function agentFor(policy: OutboundPolicy, url: URL): http.Agent {
  const refused = policy.refuseUrl(url);
  if (refused) throw refused;
  const pools = policy.exempts(url) ? poolsFor(policy).exempt : poolsFor(policy).guarded;
  return url.protocol === 'https:' ? pools.https : pools.http;
}

export interface ExchangeLimits {
  outbound: OutboundPolicy;
  /** The most bytes read of an answer, before and again after decoding (a small gzip can inflate to gigabytes). */
  maxBytes: number;
}

/** How long establishing a connection (DNS, TCP, TLS) may take: fetch's (undici's) limit. */
const CONNECT_TIMEOUT_MS = 10_000;
const MAX_REDIRECTS = 20;
// Headers that describe a request body, dropped when a redirect turns the request into a body-less GET.
const BODY_HEADERS = ['content-encoding', 'content-language', 'content-location', 'content-type', 'content-length'];
// Credentials fetch does not carry to another origin on a redirect.
const CROSS_ORIGIN_DROPPED = ['authorization', 'proxy-authorization', 'cookie', 'host'];

export interface RawResponse {
  status: number;
  headers: Headers;
  /** Decoded (Content-Encoding removed). */
  body: Buffer;
}

function codedError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * One request, following redirects as fetch does, with one time limit for all of it. Rejects with node's
 * network errors (their `code` says what happened; RESPONSE_TOO_LARGE beyond `maxBytes`), a TimeoutError when the
 * limit is reached, a TypeError for an unusable URL, or OutboundRefused for a hop the policy refuses (nothing is
 * sent to it).
 */
export async function exchange(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: FormData | string | Uint8Array | Blob | undefined,
  timeoutMs: number,
  limits: ExchangeLimits,
): Promise<RawResponse> {
  const requestHeaders: Record<string, string> = { 'user-agent': 'node' };
  for (const [name, value] of Object.entries(headers)) requestHeaders[name.toLowerCase()] = value;
  // A string stays a string: node then sends the request head and body in one piece.
  let payload: Buffer | string | null = null;
  if (typeof body === 'string') {
    payload = body;
    requestHeaders['content-type'] ??= 'text/plain;charset=UTF-8';
  } else if (body instanceof Uint8Array) {
    payload = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    requestHeaders['content-type'] ??= 'application/octet-stream';
  } else if (body instanceof Blob) {
    // Raw bytes of an upload (LinkedIn's storage PUT, Bluesky's uploadBlob), typed by the caller or the blob.
    payload = Buffer.from(await body.arrayBuffer());
    requestHeaders['content-type'] ??= body.type || 'application/octet-stream';
  } else if (body !== undefined) {
    // The rare path (multipart media uploads): undici's multipart encoder, the one fetch used, produces bytes and boundary.
    const encoded = new Response(body);
    payload = Buffer.from(await encoded.arrayBuffer());
    requestHeaders['content-type'] = encoded.headers.get('content-type') ?? 'multipart/form-data';
  }

  const deadline = new Deadline(timeoutMs);
  try {
    let target = parseUrl(url);
    for (let redirects = 0; ; redirects += 1) {
      let response: RawResponse;
      try {
        response = await send(method, target, requestHeaders, payload, deadline, agentFor(limits.outbound, target), limits.maxBytes);
      } catch (error) {
        if (redirects > 0 && error instanceof OutboundRefused) throw new OutboundRefused(error.host, error.reason, `a redirect was not followed: ${error.message}`);
        throw error;
      }
      const location = REDIRECT_STATUSES.has(response.status) ? response.headers.get('location') : null;
      if (location === null) return { ...response, body: await decode(response.body, response.headers, deadline, limits.maxBytes) };
      if (redirects >= MAX_REDIRECTS) throw new TypeError('redirect count exceeded');
      const next = parseUrl(location, target);
      if (next.origin !== target.origin) for (const name of CROSS_ORIGIN_DROPPED) delete requestHeaders[name];
      if ((response.status === 303 && method !== 'GET' && method !== 'HEAD') || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        method = 'GET';
        payload = null;
        for (const name of BODY_HEADERS) delete requestHeaders[name];
      }
      target = next;
    }
  } finally {
    deadline.clear();
  }
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

function parseUrl(url: string, base?: URL): URL {
  let parsed: URL;
  try {
    parsed = new URL(url, base);
  } catch (error) {
    throw new TypeError(`Failed to parse URL from ${url}`, { cause: error });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`Unsupported URL scheme "${parsed.protocol}"`);
  }
  return parsed;
}

/** The one time limit of an exchange; aborts whichever request is in flight when it is reached. */
class Deadline {
  expired = false;
  private readonly timer: NodeJS.Timeout;
  private current: ((error: Error) => void) | null = null;

  constructor(timeoutMs: number) {
    this.timer = setTimeout(() => {
      this.expired = true;
      this.current?.(timeoutError());
    }, timeoutMs);
  }

  /** Calls `abort` (at once if the limit is already reached) when the limit is reached before unwatch(). */
  watch(abort: (error: Error) => void): void {
    if (this.expired) abort(timeoutError());
    else this.current = abort;
  }

  unwatch(): void {
    this.current = null;
  }

  clear(): void {
    clearTimeout(this.timer);
    this.current = null;
  }
}

function timeoutError(): Error {
  // What AbortSignal.timeout() aborts fetch with.
  return new DOMException('The operation was aborted due to timeout', 'TimeoutError');
}

function tooLarge(maxBytes: number): Error {
  return codedError(`the answer is larger than ${maxBytes} bytes`, 'RESPONSE_TOO_LARGE');
}

function send(
  method: string,
  url: URL,
  headers: Record<string, string>,
  payload: Buffer | string | null,
  deadline: Deadline,
  agent: http.Agent,
  maxBytes: number,
): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const outgoing = payload === null ? headers : { ...headers, 'content-length': String(Buffer.byteLength(payload)) };
    let connectTimer: NodeJS.Timeout | null = null;
    let settled = false;
    const finish = (error: Error | null, response?: RawResponse) => {
      if (settled) return;
      settled = true;
      deadline.unwatch();
      if (connectTimer) clearTimeout(connectTimer);
      if (error) {
        // Leaves nothing behind: the socket is closed rather than handed back to the pool mid-exchange.
        req.destroy();
        reject(error);
      } else {
        resolve(response!);
      }
    };

    const req = (secure ? https : http).request(url, { method, headers: outgoing, agent });
    deadline.watch((error) => finish(error));
    req.on('error', (error) => finish(error));
    req.on('socket', (socket) => {
      if (!socket.connecting) return;
      // fetch gives up on a connection that is not established within 10 s, and reports it as never sent.
      connectTimer = setTimeout(() => finish(codedError(`connecting to ${url.host} timed out`, 'CONNECT_TIMEOUT')), CONNECT_TIMEOUT_MS);
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        if (connectTimer) clearTimeout(connectTimer);
        connectTimer = null;
      });
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let received = 0;
      if (Number(res.headers['content-length']) > maxBytes) return finish(tooLarge(maxBytes));
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > maxBytes) finish(tooLarge(maxBytes));
        else chunks.push(chunk);
      });
      res.on('error', (error) => finish(error));
      res.on('end', () => {
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        finish(null, { status: res.statusCode ?? 0, headers: new ResponseHeaders(res.rawHeaders), body });
      });
      // After 'end' this changes nothing; before it, the platform received the request and the answer was cut.
      res.on('close', () => {
        if (!settled) finish(codedError('the connection closed before the response ended', 'ECONNRESET'));
      });
    });
    req.end(payload ?? undefined);
  });
}

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);
const brotli = promisify(zlib.brotliDecompress);

/** Removes the Content-Encoding(s), as fetch does; the deadline still applies, and so does the size cap. */
async function decode(body: Buffer, headers: Headers, deadline: Deadline, maxBytes: number): Promise<Buffer> {
  const encoding = headers.get('content-encoding');
  if (encoding === null || body.length === 0) return body;
  const codings = encoding
    .toLowerCase()
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '' && c !== 'identity');
  let decoded = body;
  // zlib stops inflating once its output passes maxOutputLength, so a bomb costs at most that much memory.
  const limit = { maxOutputLength: maxBytes };
  try {
    // Applied in the reverse order of their listing.
    for (const coding of codings.reverse()) {
      if (coding === 'gzip' || coding === 'x-gzip') decoded = await gunzip(decoded, { ...limit, flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH });
      // "deflate" is meant to be zlib-wrapped, but some servers send raw deflate: the first byte tells them apart.
      else if (coding === 'deflate') decoded = await ((decoded[0]! & 0x0f) === 0x08 ? inflate(decoded, limit) : inflateRaw(decoded, limit));
      else if (coding === 'br') decoded = await brotli(decoded, limit);
      // An unknown coding is left in place, as fetch leaves it.
      else return decoded;
      if (deadline.expired) throw timeoutError();
    }
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(maxBytes);
    throw error;
  }
  return decoded;
}

/** Response headers with the Fetch API's read side: names case-insensitive, repeated fields joined by ", ". */
class ResponseHeaders implements Headers {
  private readonly fields = new Map<string, string>();
  private readonly cookies: string[] = [];

  constructor(rawHeaders: string[]) {
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!.toLowerCase();
      const value = rawHeaders[i + 1]!;
      if (name === 'set-cookie') this.cookies.push(value);
      const seen = this.fields.get(name);
      this.fields.set(name, seen === undefined ? value : `${seen}, ${value}`);
    }
  }

  get(name: string): string | null {
    return this.fields.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.fields.has(name.toLowerCase());
  }

  getSetCookie(): string[] {
    return [...this.cookies];
  }

  forEach(callbackfn: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    for (const [name, value] of this.entries()) callbackfn.call(thisArg, value, name, this);
  }

  entries(): ArrayIterator<[string, string]> {
    // Sorted by name, and Set-Cookie one entry per cookie, as a Headers object iterates.
    const sorted = [...this.fields.keys()].sort();
    const list: [string, string][] = [];
    for (const name of sorted) {
      if (name === 'set-cookie') for (const cookie of this.cookies) list.push([name, cookie]);
      else list.push([name, this.fields.get(name)!]);
    }
    return list.values();
  }

  keys(): ArrayIterator<string> {
    return [...this.entries()].map(([name]) => name).values();
  }

  values(): ArrayIterator<string> {
    return [...this.entries()].map(([, value]) => value).values();
  }

  [Symbol.iterator](): ArrayIterator<[string, string]> {
    return this.entries();
  }

  append(): void {
    throw new TypeError('Headers of a response are immutable');
  }

  set(): void {
    throw new TypeError('Headers of a response are immutable');
  }

  delete(): void {
    throw new TypeError('Headers of a response are immutable');
  }

  get [Symbol.toStringTag](): string {
    return 'Headers';
  }
}
