// Server-side request forgery, tried as a user with a fresh account would: every address form of issue 10 refused
// at createChannel with a typed error and no connection attempted (loopback listeners on the port see nothing),
// a redirect to a refused address not followed, a gzip bomb cut off with bounded memory, and only a short,
// sanitized excerpt of a network's answer kept.
import http from 'node:http';
import net from 'node:net';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { issuesOf } from './helpers/api.js';
import { START } from './helpers/oauth.js';
import { createChannel, createPost, waitForDelivery } from './helpers/scenario.js';
import { signUp, startTestApp, type TestApp } from './helpers/testApp.js';

const SECRET = 'outbound-webhook-secret-0123456789';
const CREATE = `mutation($input: CreateChannelInput!) { createChannel(input: $input) { id } }`;

/** Counts connections on 127.0.0.1 and ::1 at one port: the target a refused URL must never reach. */
interface Sentinel {
  port: number;
  connections: () => number;
  stop(): Promise<void>;
}

async function startSentinel(): Promise<Sentinel> {
  let count = 0;
  const servers = [net.createServer(), net.createServer()];
  for (const server of servers) server.on('connection', (socket) => (count += 1) && socket.destroy());
  await new Promise<void>((resolve) => servers[0]!.listen(0, '127.0.0.1', resolve));
  const port = (servers[0]!.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => servers[1]!.listen(port, '::1', resolve));
  return { port, connections: () => count, stop: async () => void (await Promise.all(servers.map((s) => new Promise((r) => s.close(r))))) };
}

/** A plain HTTP server the allowed side of a test talks to, answering with `handler`. */
async function startServer(handler: http.RequestListener): Promise<{ port: number; requests: string[]; stop(): Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => handler(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A small gzip body that inflates to `megabytes` MB of zeros, made without holding the inflated bytes. */
async function gzipBomb(megabytes: number): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const chunks: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise((resolve) => gzip.on('end', resolve));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < megabytes; i += 1) if (!gzip.write(zeros)) await new Promise((resolve) => gzip.once('drain', resolve));
  gzip.end();
  await done;
  return Buffer.concat(chunks);
}

let sentinel: Sentinel;
let strict: TestApp;
beforeAll(async () => {
  sentinel = await startSentinel();
  // No allow list at all: what a fresh install does.
  strict = await startTestApp({ env: { POSTFLOW_OUTBOUND_ALLOW: '' } });
});
afterAll(async () => {
  await strict?.stop();
  await sentinel?.stop();
});

describe('createChannel refuses a user URL at a refused address, before any connection', () => {
  const forms = () => {
    const p = sentinel.port;
    return [
      'http://10.0.0.5/hook',
      'http://172.16.5.4/hook',
      'http://172.31.0.1/hook',
      'http://192.168.1.10/hook',
      'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
      'http://metadata.google.internal/computeMetadata/v1/',
      'http://100.64.0.1/hook',
      `http://0.0.0.0:${p}/hook`,
      `http://127.0.0.1:${p}/hook`,
      `http://127.1:${p}/hook`,
      `http://2130706433:${p}/hook`,
      `http://0x7f000001:${p}/hook`,
      `http://0177.0.0.1:${p}/hook`,
      `http://localhost:${p}/hook`,
      `http://[::1]:${p}/hook`,
      'http://[fd00::1]/hook',
      'http://[::ffff:169.254.169.254]/hook',
      `http://[::ffff:127.0.0.1]:${p}/hook`,
    ];
  };

  it('every WEBHOOK url form of the issue: VALIDATION_FAILED, rule outbound, field named, nothing stored', async () => {
    const token = await signUp(strict);
    for (const url of forms()) {
      const result = await strict.gql(CREATE, { input: { platform: 'WEBHOOK', name: 'Hook', credentials: { url, secret: SECRET } } }, token);
      const issues = issuesOf(result);
      expect(issues, url).toEqual([
        { path: ['input', 'credentials', 'url'], rule: 'outbound', message: expect.stringMatching(/an operator can allow it with POSTFLOW_OUTBOUND_ALLOW$/) },
      ]);
    }
    expect(await strict.app.database.prisma.channel.count()).toBe(0);
    expect(sentinel.connections()).toBe(0);
  });

  it('says why in words', async () => {
    const token = await signUp(strict);
    const result = await strict.gql(CREATE, { input: { platform: 'WEBHOOK', name: 'Hook', credentials: { url: 'http://10.0.0.5/hook', secret: SECRET } } }, token);
    expect(issuesOf(result)[0]!.message).toBe('10.0.0.5 is a private address; an operator can allow it with POSTFLOW_OUTBOUND_ALLOW');
    const mapped = await strict.gql(CREATE, { input: { platform: 'WEBHOOK', name: 'Hook', credentials: { url: 'http://[::ffff:169.254.169.254]/', secret: SECRET } } }, token);
    expect(issuesOf(mapped)[0]!.message).toMatch(/^\[::ffff:a9fe:a9fe\] is a link-local address \(169\.254\.169\.254\)/);
  });

  it('Mastodon instanceUrl, Bluesky service and Discord webhookUrl on loopback are refused, and so is connectChannelStart', async () => {
    const token = await signUp(strict);
    const p = sentinel.port;
    const attempts: [string, Record<string, unknown>, string][] = [
      ['MASTODON', { instanceUrl: `http://127.0.0.1:${p}`, accessToken: 'token' }, 'instanceUrl'],
      ['BLUESKY', { identifier: 'alice.example.com', appPassword: 'app-pass', service: `http://[::1]:${p}` }, 'service'],
      ['DISCORD', { webhookUrl: `http://127.1:${p}/api/webhooks/123/abc-token` }, 'webhookUrl'],
    ];
    for (const [platform, credentials, field] of attempts) {
      const issues = issuesOf(await strict.gql(CREATE, { input: { platform, name: platform, credentials } }, token));
      expect(issues, platform).toEqual([{ path: ['input', 'credentials', field], rule: 'outbound', message: expect.stringContaining('loopback') }]);
    }
    const start = await strict.gql(START, { input: { platform: 'MASTODON', redirectUri: 'https://app.example.com/back', instanceUrl: `http://2130706433:${p}` } }, token);
    expect(issuesOf(start)).toEqual([{ path: ['input', 'instanceUrl'], rule: 'outbound', message: expect.stringContaining('loopback') }]);
    expect(sentinel.connections()).toBe(0);
  });
});

describe("the operator's own network base URLs", () => {
  it('are exempt for that network only: a webhook at the Telegram Bot API server the operator runs on loopback is refused', async () => {
    const own = await startSentinel();
    const operator = await startTestApp({ env: { POSTFLOW_OUTBOUND_ALLOW: '', TELEGRAM_API_URL: `http://127.0.0.1:${own.port}`, X_API_URL: `http://127.0.0.1:${own.port}` } });
    try {
      const token = await signUp(operator);
      for (const url of [`http://127.0.0.1:${own.port}/bot123:abc/sendMessage`, `http://127.0.0.1:${own.port}/2/tweets`]) {
        const result = await operator.gql(CREATE, { input: { platform: 'WEBHOOK', name: 'Hook', credentials: { url, secret: SECRET } } }, token);
        expect(issuesOf(result), url).toEqual([{ path: ['input', 'credentials', 'url'], rule: 'outbound', message: expect.any(String) }]);
      }
      expect(own.connections()).toBe(0);
      // Telegram's own requests do go there: the check of a new channel's bot reaches the sentinel (which hangs up).
      await operator.gql(CREATE, { input: { platform: 'TELEGRAM', name: 'Bot', credentials: { botToken: '123:abc', chatId: '@chan' } } }, token);
      expect(own.connections()).toBeGreaterThan(0);
    } finally {
      await operator.stop();
      await own.stop();
    }
  });
});

describe('publishing through an allowed host', () => {
  // Only the name "localhost" is allowed: the receivers are reached by it, while 127.0.0.1 as an address stays refused.
  let t: TestApp;
  let token: string;
  let mastodon: MastodonFake;
  const servers: { stop(): Promise<void> }[] = [];
  beforeAll(async () => {
    mastodon = await startMastodonFake({ username: 'acme' });
    t = await startTestApp({ env: { POSTFLOW_OUTBOUND_ALLOW: 'localhost', PUBLISH_MAX_ATTEMPTS: '3' } });
    token = await signUp(t);
  });
  afterAll(async () => {
    await t?.stop();
    await mastodon?.stop();
    await Promise.all(servers.map((s) => s.stop()));
  });

  async function hookTo(handler: http.RequestListener) {
    const server = await startServer(handler);
    servers.push(server);
    const channel = await createChannel(t, token, 'WEBHOOK', { url: `http://localhost:${server.port}/hook`, secret: SECRET });
    return { server, channel };
  }

  it('a redirect to a refused address is not followed, and fails for good', async () => {
    const { server, channel } = await hookTo((_req, res) => res.writeHead(307, { Location: `http://127.0.0.1:${sentinel.port}/internal-admin/secret` }).end());
    const post = await createPost(t, token, { content: 'hello', channelIds: [channel.id], publishNow: true });
    const delivery = await waitForDelivery(t, token, post.id, ['FAILED']);
    expect(delivery.lastError).toMatch(/^Webhook POST was not sent: a redirect was not followed: 127\.0\.0\.1:\d+ is a loopback address/);
    expect(delivery.attemptLog).toEqual([expect.objectContaining({ outcome: 'PERMANENT', errorClass: 'OUTBOUND_REFUSED' })]);
    expect(server.requests).toEqual(['POST /hook']);
    expect(sentinel.connections()).toBe(0);
  });

  it('a media URL at a refused address fails the publish for good, nothing uploaded', async () => {
    const mastodonUrl = mastodon.url.replace('127.0.0.1', 'localhost');
    const channel = await createChannel(t, token, 'MASTODON', { instanceUrl: mastodonUrl, accessToken: mastodon.accessToken });
    const post = await createPost(t, token, { content: 'with media', mediaUrls: ['http://169.254.169.254/latest/meta-data/iam/'], channelIds: [channel.id], publishNow: true });
    const delivery = await waitForDelivery(t, token, post.id, ['FAILED']);
    expect(delivery.lastError).toBe(
      'Media 169.254.169.254/latest/meta-data/iam/ was not downloaded: 169.254.169.254 is a link-local address; an operator can allow it with POSTFLOW_OUTBOUND_ALLOW',
    );
    expect(delivery.attemptLog).toEqual([expect.objectContaining({ outcome: 'PERMANENT', errorClass: 'OUTBOUND_REFUSED' })]);
    expect(mastodon.log.filter((line) => line.includes('/media') || line.includes('/statuses'))).toEqual([]);
  });

  it('gzip bombs are cut off at the answer cap with bounded memory', async () => {
    const bomb = await gzipBomb(400);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const { channel } = await hookTo((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }).end(bomb));
    const memory = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const before = memory();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, memory())), 5);
    try {
      const posts = await Promise.all([1, 2, 3, 4].map((i) => createPost(t, token, { content: `bomb ${i}`, channelIds: [channel.id], publishNow: true })));
      for (const post of posts) {
        const delivery = await waitForDelivery(t, token, post.id, ['FAILED'], 20_000);
        expect(delivery.lastError).toBe('Webhook POST answered more than 2 MB (after decompression), which PostFlow does not read');
        expect(delivery.attemptLog).toEqual([expect.objectContaining({ outcome: 'PERMANENT', errorClass: 'RESPONSE_TOO_LARGE' })]);
      }
    } finally {
      clearInterval(sampler);
    }
    const growthMb = (peak - before) / 1024 / 1024;
    console.log(`gzip bomb: 4 answers of ${(bomb.length / 1024).toFixed(0)} KB (400 MB inflated each), peak heap+buffers growth ${growthMb.toFixed(1)} MB`);
    expect(growthMb).toBeLessThan(50);
  });

  it('keeps only a short, sanitized excerpt of an error answer', async () => {
    const noise = `<html>\u0000\u001b[2J Bearer abcDEF0123456789ghiJKL access_token=sekrit-value-42 ${'x'.repeat(50_000)}</html>`;
    const { channel } = await hookTo((_req, res) => res.writeHead(400, { 'Content-Type': 'text/html' }).end(noise));
    const post = await createPost(t, token, { content: 'excerpt', channelIds: [channel.id], publishNow: true });
    const delivery = await waitForDelivery(t, token, post.id, ['FAILED']);
    for (const kept of [delivery.lastError as string, delivery.attemptLog[0].responseMessage as string]) {
      expect(kept.length).toBeLessThanOrEqual(600);
      // eslint-disable-next-line no-control-regex -- none may be left
      expect(kept).not.toMatch(/[\u0000-\u001f\u007f]/);
      expect(kept).not.toContain('abcDEF0123456789ghiJKL');
      expect(kept).not.toContain('sekrit-value-42');
      expect(kept).toMatch(/^<html> \[2J Bearer \[redacted\] access_token=\[redacted\] x+…$/);
    }
  });
});
