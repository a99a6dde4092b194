// The transport under every provider (node:http with keep-alive, not fetch): what fetch did for the providers
// must still hold, since classifications (sent or not, timed out or not) decide whether a post is retried.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { HttpFailure, TransportFailure, classifyFailure, downloadMedia, httpRequest, ClassifiedError } from '../../src/integrations/http.js';
import { TINY_PNG, startHttpServer, unusedPort, type FakeServer, type Handler } from '../fakes/httpFake.js';
import { LOOPBACK_ALLOWED, rejection, useStoppers } from '../helpers/integration.js';

const stopAfterEach = useStoppers();

async function server(handler: Handler): Promise<FakeServer> {
  return stopAfterEach(await startHttpServer(handler));
}

const base = { operation: 'test call', timeoutMs: 2000, outbound: LOOPBACK_ALLOWED };

describe('httpRequest', () => {
  it('sends JSON with Accept and Content-Type and parses a JSON answer', async () => {
    const seen: { method?: string; headers?: Record<string, unknown>; body?: string }[] = [];
    const s = await server((req, res, raw) => {
      seen.push({ method: req.method, headers: req.headers, body: raw.toString() });
      res.writeHead(201, { 'Content-Type': 'application/json', 'X-Thing': 'a' });
      res.end('{"id":"x1"}');
    });
    const res = await httpRequest<{ id: string }>({ ...base, method: 'POST', url: `${s.url}/p`, json: { a: 1 }, headers: { 'Idempotency-Key': 'k' } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: 'x1' });
    expect(res.headers.get('X-THING')).toBe('a');
    expect(seen[0]).toMatchObject({ method: 'POST', body: '{"a":1}' });
    expect(seen[0]?.headers).toMatchObject({
      accept: 'application/json',
      'content-type': 'application/json',
      'content-length': '7',
      'idempotency-key': 'k',
    });
  });

  it('returns text that is not JSON as is, and an empty body as ""', async () => {
    const s = await server((req, res) => {
      if (req.url === '/empty') res.writeHead(204).end();
      else res.writeHead(200, { 'Content-Type': 'text/plain' }).end('\uFEFFplain words');
    });
    expect((await httpRequest({ ...base, url: `${s.url}/text` })).body).toBe('plain words');
    expect((await httpRequest({ ...base, url: `${s.url}/empty` })).body).toBe('');
  });

  it('throws HttpFailure with the status, headers and parsed body on a non-2xx answer', async () => {
    const s = await server((_req, res) => {
      res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': '7' });
      res.end('{"error":"slow down"}');
    });
    const error = await rejection(httpRequest({ ...base, url: s.url }));
    expect(error).toBeInstanceOf(HttpFailure);
    expect(error).toMatchObject({ status: 429, body: { error: 'slow down' }, operation: 'test call' });
    expect((error as HttpFailure).headers.get('retry-after')).toBe('7');
    expect([...(error as HttpFailure).headers.keys()]).toContain('retry-after');
  });

  it('decodes a gzip answer', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
      res.end(gzipSync('{"ok":true}'));
    });
    expect((await httpRequest({ ...base, url: s.url })).body).toEqual({ ok: true });
  });

  it('reuses one connection for calls one after the other', async () => {
    const ports = new Set<number>();
    const s = await server((req, res) => {
      ports.add(req.socket.remotePort ?? 0);
      res.writeHead(200).end('{}');
    });
    for (let i = 0; i < 5; i += 1) await httpRequest({ ...base, method: 'POST', url: s.url, json: {} });
    expect(ports.size).toBe(1);
  });

  it('sends FormData as multipart/form-data the server can parse', async () => {
    let received: FormData | null = null;
    const s = await server(async (req, res, raw) => {
      received = await new Response(new Uint8Array(raw), { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData();
      res.writeHead(200).end('{}');
    });
    const form = new FormData();
    form.append('file', new Blob([TINY_PNG], { type: 'image/png' }), 'a.png');
    form.append('description', 'alt text');
    await httpRequest({ ...base, method: 'POST', url: s.url, body: form });
    const file = received!.get('file') as File;
    expect([file.name, file.type, file.size]).toEqual(['a.png', 'image/png', TINY_PNG.length]);
    expect(received!.get('description')).toBe('alt text');
  });

  it('follows redirects as fetch did: 307 keeps the POST and its body, 302 turns it into a GET', async () => {
    const log: string[] = [];
    const s = await server((req, res, raw) => {
      log.push(`${req.method} ${req.url} ${raw.toString()}`);
      if (req.url === '/307') res.writeHead(307, { Location: '/final' }).end();
      else if (req.url === '/302') res.writeHead(302, { Location: '/final' }).end();
      else res.writeHead(200).end(JSON.stringify({ method: req.method, type: req.headers['content-type'] ?? null }));
    });
    expect((await httpRequest({ ...base, method: 'POST', url: `${s.url}/307`, json: { a: 1 } })).body).toEqual({
      method: 'POST',
      type: 'application/json',
    });
    expect((await httpRequest({ ...base, method: 'POST', url: `${s.url}/302`, json: { a: 1 } })).body).toEqual({ method: 'GET', type: null });
    expect(log).toEqual(['POST /307 {"a":1}', 'POST /final {"a":1}', 'POST /302 {"a":1}', 'GET /final ']);
  });

  it('drops Authorization on a redirect to another origin', async () => {
    const other = await server((req, res) => {
      res.writeHead(200).end(JSON.stringify({ auth: req.headers.authorization ?? null }));
    });
    const s = await server((req, res) => {
      if (req.url === '/same') res.writeHead(301, { Location: '/there' }).end();
      else if (req.url === '/away') res.writeHead(301, { Location: `${other.url}/x` }).end();
      else res.writeHead(200).end(JSON.stringify({ auth: req.headers.authorization ?? null }));
    });
    const headers = { Authorization: 'Bearer t' };
    expect((await httpRequest({ ...base, url: `${s.url}/same`, headers })).body).toEqual({ auth: 'Bearer t' });
    expect((await httpRequest({ ...base, url: `${s.url}/away`, headers })).body).toEqual({ auth: null });
  });

  it('gives up after 20 redirects with a TransportFailure', async () => {
    let hits = 0;
    const s = await server((_req, res) => {
      hits += 1;
      res.writeHead(302, { Location: '/again' }).end();
    });
    const error = await rejection(httpRequest({ ...base, url: s.url }));
    expect(error).toBeInstanceOf(TransportFailure);
    expect((error as TransportFailure).message).toBe('test call failed: UNKNOWN');
    expect(((error as TransportFailure).cause as Error).message).toBe('redirect count exceeded');
    // The first request and the 20 redirects it is allowed to follow; the 21st redirect is not followed.
    expect(hits).toBe(21);
  });

  it('times out a platform that answers the headers but stalls in the body, and says it may have been sent', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"id":');
    });
    const error = await rejection(httpRequest({ ...base, url: s.url, timeoutMs: 150 }));
    expect(error).toMatchObject({ name: 'TransportFailure', code: 'TIMEOUT', timedOut: true, sent: true });
  });

  it('a refused connection was not sent; a connection closed after sending was', async () => {
    const port = await unusedPort();
    expect(await rejection(httpRequest({ ...base, url: `http://127.0.0.1:${port}/` }))).toMatchObject({
      code: 'ECONNREFUSED',
      sent: false,
      timedOut: false,
    });
    const s = await server((req) => {
      req.socket.destroy();
    });
    expect(await rejection(httpRequest({ ...base, method: 'POST', url: s.url, json: {} }))).toMatchObject({
      code: 'ECONNRESET',
      sent: true,
      timedOut: false,
    });
  });

  it('a connection closed in the middle of the body was sent', async () => {
    const s = await server((req, res) => {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('{"partial":');
      setTimeout(() => req.socket.destroy(), 20);
    });
    expect(await rejection(httpRequest({ ...base, url: s.url }))).toMatchObject({ name: 'TransportFailure', sent: true, timedOut: false });
  });

  it('an unusable URL is a TransportFailure, as it was with fetch', async () => {
    expect(await rejection(httpRequest({ ...base, url: 'not a url' }))).toBeInstanceOf(TransportFailure);
  });
});

describe('downloadMedia', () => {
  it('returns the bytes as a Blob typed from Content-Type, after a redirect', async () => {
    const s = await server((req, res) => {
      if (req.url === '/old.png') return void res.writeHead(301, { Location: '/new.png' }).end();
      res.writeHead(200, { 'Content-Type': 'Image/PNG' }).end(TINY_PNG);
    });
    const blob = await downloadMedia(`${s.url}/old.png`, 2000, LOOPBACK_ALLOWED);
    expect(blob.type).toBe('image/png');
    expect(Buffer.from(await blob.arrayBuffer())).toEqual(TINY_PNG);
  });

  it('classifies failures as media failures', async () => {
    const s = await server((_req, res) => {
      res.writeHead(404).end('nope');
    });
    const error = await rejection(downloadMedia(`${s.url}/x.png`, 2000, LOOPBACK_ALLOWED));
    expect(error).toBeInstanceOf(ClassifiedError);
    expect((error as ClassifiedError).failure).toMatchObject({ kind: 'PERMANENT', errorClass: 'MEDIA_FETCH_FAILED', responseCode: 404 });
    const port = await unusedPort();
    const refused = await rejection(downloadMedia(`http://127.0.0.1:${port}/x.png`, 2000, LOOPBACK_ALLOWED));
    expect((refused as ClassifiedError).failure).toMatchObject({ kind: 'RETRYABLE', errorClass: 'MEDIA_FETCH_FAILED' });
  });
});

describe('classifyFailure of a lost answer', () => {
  it('is UNKNOWN for a write on a network without idempotency, but RETRYABLE for a read, which publishes nothing', () => {
    const lost = (operation: string) => new TransportFailure(operation, 'ETIMEDOUT', true, true, new Error('timed out'));
    expect(classifyFailure(lost('POST /2/tweets'), { idempotent: false })).toMatchObject({ kind: 'UNKNOWN', message: expect.stringMatching(/may or may not/) });
    expect(classifyFailure(lost('GET /webhooks/:id/:token'), { idempotent: false })).toMatchObject({ kind: 'RETRYABLE', message: expect.stringMatching(/retrying is safe/) });
    expect(classifyFailure(lost('POST /api/v1/statuses'), { idempotent: true })).toMatchObject({ kind: 'RETRYABLE' });
  });
});
