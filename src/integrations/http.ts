// Shared HTTP plumbing for providers: one request function that turns every way a call can go wrong into a
// typed error, and one default classification the providers refine with their platform's quirks.
//
// The transport (transport.ts) is node:http / node:https with one keep-alive Agent per protocol, not the global fetch: on a
// busy worker fetch cost about 3.5x the CPU per request and left far more garbage behind. It keeps what the
// providers relied on from fetch: one time limit over the whole exchange (redirects, headers and body), redirects
// followed as fetch follows them, gzip/deflate/br bodies decoded, FormData bodies encoded as multipart, and
// errors carrying the same codes (ECONNREFUSED...) or a TimeoutError. Every request names the outbound policy it
// is held to (src/security/outbound/); a refused URL is a PERMANENT OUTBOUND_REFUSED failure, never sent.
import { answerExcerpt } from '../security/outbound/excerpt.js';
import { OutboundRefused, type OutboundPolicy } from '../security/outbound/policy.js';
import type { ClassifiedFailure } from './types.js';
import { exchange, type RawResponse } from './transport.js';

/** The most bytes of an API answer read (raw, and again decoded): answers PostFlow reads are a few KB. */
export const API_ANSWER_MAX_BYTES = 2 * 1024 * 1024;
/** The most bytes of a media file downloaded to re-upload (VK takes photos up to 50 MB, the largest of the networks). */
export const MEDIA_MAX_BYTES = 50 * 1024 * 1024;

/** The platform answered with a non-2xx status. */
export class HttpFailure extends Error {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON when the body was JSON, the raw text otherwise ('' when empty). */
  readonly body: unknown;
  /** What was being done, for messages ("POST /api/v1/statuses"); never a URL that may carry a token. */
  readonly operation: string;

  constructor(operation: string, status: number, headers: Headers, body: unknown) {
    super(`${operation} answered HTTP ${status}`);
    this.name = 'HttpFailure';
    this.operation = operation;
    this.status = status;
    this.headers = headers;
    this.body = body;
  }
}

/** No HTTP answer at all. `sent` says whether the platform may have received (and acted on) the request. */
export class TransportFailure extends Error {
  readonly operation: string;
  readonly code: string;
  readonly sent: boolean;
  readonly timedOut: boolean;

  constructor(operation: string, code: string, sent: boolean, timedOut: boolean, cause: unknown) {
    super(`${operation} failed: ${timedOut ? 'timed out' : code}`, { cause });
    this.name = 'TransportFailure';
    this.operation = operation;
    this.code = code;
    this.sent = sent;
    this.timedOut = timedOut;
  }
}

/** An error whose meaning the provider already knows; classification passes it through untouched. */
export class ClassifiedError extends Error {
  readonly failure: ClassifiedFailure;

  constructor(failure: ClassifiedFailure, options?: { cause?: unknown }) {
    super(failure.message, options);
    this.name = 'ClassifiedError';
    this.failure = failure;
  }
}

// Codes reported when the connection was never established, so the platform cannot have seen the request.
// ECONNRESET ("socket hang up") is absent on purpose: it also happens mid-request.
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EADDRNOTAVAIL',
  // Ours (see send) and undici's name for a connection that could not be established in time.
  'CONNECT_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function transportFailure(operation: string, error: unknown): TransportFailure {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError') return new TransportFailure(operation, 'TIMEOUT', true, true, error);
  const cause = (error as { cause?: unknown } | null)?.cause;
  const rawCode = (cause as { code?: unknown } | null)?.code ?? (error as { code?: unknown } | null)?.code;
  const code = typeof rawCode === 'string' ? rawCode : 'UNKNOWN';
  return new TransportFailure(operation, code, !NOT_SENT_CODES.has(code), false, error);
}

export interface HttpRequest {
  method?: string;
  url: string;
  /** Where this request may go: the policy built from the operator's settings, handed to every provider. */
  outbound: OutboundPolicy;
  /** API_ANSWER_MAX_BYTES unless given. */
  maxBytes?: number;
  /** Shown in errors instead of the URL (Telegram puts the bot token in the path). */
  operation: string;
  timeoutMs: number;
  headers?: Record<string, string>;
  /** Sent as JSON with Content-Type: application/json. */
  json?: unknown;
  /** Sent as is: a string, raw bytes (a Blob or Uint8Array), or FormData encoded as multipart/form-data. */
  body?: FormData | string | Uint8Array | Blob;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * For failures before the post itself is sent (reading the author, downloading or uploading media): nothing can have
 * been published, so what would be an unknown outcome on the post call is safe to try again here.
 */
export function failedBeforePosting(error: unknown): never {
  if (error instanceof HttpFailure || error instanceof ClassifiedError) throw error;
  const transport = error instanceof TransportFailure ? error : null;
  throw new ClassifiedError(
    {
      kind: 'RETRYABLE',
      errorClass: transport ? (transport.timedOut ? 'TIMEOUT' : 'NETWORK') : 'UNEXPECTED',
      message: `${error instanceof Error ? error.message : String(error)} (before posting; nothing was published)`,
      responseCode: null,
      retryAfterMs: null,
    },
    { cause: error },
  );
}

/** One HTTP call. Resolves on 2xx; throws HttpFailure or TransportFailure otherwise. */
export async function httpRequest<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>> {
  const headers: Record<string, string> = { Accept: 'application/json', ...req.headers };
  let body: FormData | string | Uint8Array | Blob | undefined = req.body;
  if (req.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(req.json);
  }
  let response: RawResponse;
  let parsed: unknown;
  try {
    response = await exchange(req.method ?? 'GET', req.url, headers, body, req.timeoutMs, { outbound: req.outbound, maxBytes: req.maxBytes ?? API_ANSWER_MAX_BYTES });
    parsed = parseBody(response.body);
  } catch (error) {
    if (error instanceof OutboundRefused) throw outboundRefused(`${req.operation} was not sent`, error);
    throw transportFailure(req.operation, error);
  }
  if (response.status < 200 || response.status > 299) {
    throw new HttpFailure(req.operation, response.status, response.headers, parsed);
  }
  return { status: response.status, headers: response.headers, body: parsed as T };
}

/** A refused destination: retrying cannot help until the URL, or the operator's allow list, changes. */
function outboundRefused(what: string, error: OutboundRefused): ClassifiedError {
  return new ClassifiedError({ kind: 'PERMANENT', errorClass: 'OUTBOUND_REFUSED', message: `${what}: ${error.message}`, responseCode: null, retryAfterMs: null }, { cause: error });
}

/** JSON when the body parses as JSON, the text otherwise, '' when empty (as `await response.text()` read it). */
function parseBody(raw: Buffer): unknown {
  if (raw.length === 0) return '';
  let text = raw.toString('utf8');
  // A UTF-8 decoder drops a leading byte-order mark; Buffer#toString keeps it.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text === '') return '';
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Downloads a media file to re-upload it. A failure here is about the media host, not the platform, so
 * it is classified up front: a 401 from an image server must not mark the channel as disconnected.
 */
export async function downloadMedia(url: string, timeoutMs: number, outbound: OutboundPolicy): Promise<Blob> {
  let response: RawResponse;
  try {
    response = await exchange('GET', url, { Accept: '*/*' }, undefined, timeoutMs, { outbound, maxBytes: MEDIA_MAX_BYTES });
  } catch (error) {
    if (error instanceof OutboundRefused) throw outboundRefused(`Media ${mediaName(url)} was not downloaded`, error);
    const failure = transportFailure('media download', error);
    const tooLarge = failure.code === 'RESPONSE_TOO_LARGE';
    throw new ClassifiedError(
      {
        // Downloading is a GET: retrying it is always safe, though a file too large stays too large.
        kind: tooLarge ? 'PERMANENT' : 'RETRYABLE',
        errorClass: tooLarge ? 'MEDIA_TOO_LARGE' : 'MEDIA_FETCH_FAILED',
        message: tooLarge
          ? `Media ${mediaName(url)} is larger than ${MEDIA_MAX_BYTES / 1024 / 1024} MB`
          : `Could not download media ${mediaName(url)}: ${failure.timedOut ? 'timed out' : failure.code}`,
        responseCode: null,
        retryAfterMs: null,
      },
      { cause: error },
    );
  }
  if (response.status < 200 || response.status > 299) {
    const transient = response.status >= 500 || response.status === 429 || response.status === 408;
    throw new ClassifiedError({
      kind: transient ? 'RETRYABLE' : 'PERMANENT',
      errorClass: 'MEDIA_FETCH_FAILED',
      message: `Could not download media ${mediaName(url)}: HTTP ${response.status}`,
      responseCode: response.status,
      retryAfterMs: null,
    });
  }
  const bytes = new Uint8Array(response.body.buffer as ArrayBuffer, response.body.byteOffset, response.body.length);
  return new Blob([bytes], { type: blobType(response.headers.get('content-type')) });
}

/** A media URL as messages show it: its host and path, never a query (signed URLs carry their signature there). */
function mediaName(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return 'at an unreadable URL';
  }
}

/** The Blob type fetch's response.blob() would give: the Content-Type's MIME type, '' when there is none. */
function blobType(contentType: string | null): string {
  if (contentType === null) return '';
  const [essence = '', ...params] = contentType.split(';').map((part) => part.trim());
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(essence)) return '';
  return [essence.toLowerCase(), ...params.filter((p) => p !== '')].join(';');
}

/** Retry-After as delta-seconds or an HTTP-date, in ms from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

export interface ClassifyOptions {
  /** Whether repeating the request cannot create a second post (see Provider.idempotent). */
  idempotent: boolean;
  /** The platform's own error sentence from a failed response body. */
  platformMessage?: (failure: HttpFailure) => string | null;
  /** Whether a 403 means the credentials lost their rights (AUTH) rather than a refused request. */
  forbiddenIsAuth?: (failure: HttpFailure) => boolean;
  /** Wait before retrying a 429, when the platform says it differently from Retry-After. */
  retryAfterMs?: (failure: HttpFailure) => number | null;
  /** Message for AUTH failures, so people know what to do. */
  authMessage?: (platformMessage: string | null) => string;
  /** errorClass for an HTTP status, "HTTP_503" by default. */
  errorClass?: (status: number) => string;
}

/** The message a typical JSON error body carries ({ error }, { message }, { description }). */
export function genericPlatformMessage(body: unknown): string | null {
  if (typeof body === 'string') return body.trim() === '' ? null : answerExcerpt(body);
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    for (const key of ['error_description', 'error', 'message', 'description']) {
      const value = record[key];
      if (typeof value === 'string' && value !== '') return answerExcerpt(value);
    }
  }
  return null;
}

export function classifyFailure(error: unknown, options: ClassifyOptions): ClassifiedFailure {
  if (error instanceof ClassifiedError) return error.failure;
  if (error instanceof TransportFailure) return classifyTransport(error, options.idempotent);
  if (error instanceof HttpFailure) return classifyHttp(error, options);
  const message = error instanceof Error ? error.message : String(error);
  // A bug or an unexpected answer after the request went out: we cannot tell whether it was published.
  return {
    kind: options.idempotent ? 'RETRYABLE' : 'UNKNOWN',
    errorClass: 'UNEXPECTED',
    message,
    responseCode: null,
    retryAfterMs: null,
  };
}

function classifyTransport(error: TransportFailure, idempotent: boolean): ClassifiedFailure {
  if (error.code === 'RESPONSE_TOO_LARGE') return classifyTooLarge(error, idempotent);
  const errorClass = error.timedOut ? 'TIMEOUT' : 'NETWORK';
  if (!error.sent) {
    return {
      kind: 'RETRYABLE',
      errorClass,
      message: `${error.operation} could not reach the platform (${error.code})`,
      responseCode: null,
      retryAfterMs: null,
    };
  }
  const what = error.timedOut ? 'timed out' : `lost the connection (${error.code})`;
  // A read publishes nothing, whatever the network: asking again is always safe.
  const safe = idempotent || /^(GET|HEAD) /.test(error.operation);
  return {
    // Without idempotency a retry could publish twice, and a double post is worse than a late one.
    kind: safe ? 'RETRYABLE' : 'UNKNOWN',
    errorClass,
    message: safe ? `${error.operation} ${what}; retrying is safe` : `${error.operation} ${what}: the post may or may not have been published`,
    responseCode: null,
    retryAfterMs: null,
  };
}

/** An answer cut off at the size cap: asking again gets the same answer; a post call may have been published. */
function classifyTooLarge(error: TransportFailure, idempotent: boolean): ClassifiedFailure {
  const safe = idempotent || /^(GET|HEAD) /.test(error.operation);
  return {
    kind: safe ? 'PERMANENT' : 'UNKNOWN',
    errorClass: 'RESPONSE_TOO_LARGE',
    message: `${error.operation} answered more than ${API_ANSWER_MAX_BYTES / 1024 / 1024} MB (after decompression), which PostFlow does not read${safe ? '' : ': the post may or may not have been published'}`,
    responseCode: null,
    retryAfterMs: null,
  };
}

function classifyHttp(error: HttpFailure, options: ClassifyOptions): ClassifiedFailure {
  const status = error.status;
  const own = options.platformMessage?.(error);
  const platformMessage = own === undefined || own === null ? genericPlatformMessage(error.body) : answerExcerpt(own);
  const errorClass = options.errorClass?.(status) ?? `HTTP_${status}`;
  const detail = platformMessage ? `: ${platformMessage}` : '';
  const base = { errorClass, responseCode: status, retryAfterMs: null };
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(error.headers.get('retry-after')) ?? options.retryAfterMs?.(error) ?? null;
    return { ...base, kind: 'RATE_LIMITED', retryAfterMs, message: `Rate limited by the platform${detail}` };
  }
  if (status >= 500 || status === 408) {
    return { ...base, kind: 'RETRYABLE', message: `The platform failed with HTTP ${status}${detail}` };
  }
  if (status === 401 || (status === 403 && (options.forbiddenIsAuth?.(error) ?? false))) {
    const message = options.authMessage ? options.authMessage(platformMessage) : `The credentials were rejected (HTTP ${status})${detail}: reconnect the channel`;
    return { ...base, kind: 'AUTH', message };
  }
  return {
    ...base,
    kind: 'PERMANENT',
    message: platformMessage ?? `The platform refused the request with HTTP ${status}`,
  };
}

/** Instance base URL without the trailing slash, so paths can be appended. */
export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
