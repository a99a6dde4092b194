// /healthz and /readyz: ready when the database answers and every migration is applied (and the worker runs, in a
// worker role); 503 with the reason, fast, when the database is unreachable or does not answer; ready again when
// it is back. A worker-only process serves these on its own PORT and nothing else.
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { build, projectLayout } from '../scripts/build.mjs';
import { spawnCommand, waitForReady } from './helpers/childProcess.js';
import { createTestDatabase } from './helpers/database.js';
import { freePort } from './helpers/ports.js';
import { eventually, startTestApp, testEnv, type TestApp } from './helpers/testApp.js';
import { createReadiness } from '../src/server/healthRoutes.js';

/** A TCP proxy on loopback in front of the test PostgreSQL, to cut the database off as a network would. */
async function databaseProxy(targetUrl: string) {
  const target = new URL(targetUrl);
  const sockets = new Set<net.Socket>();
  let mode: 'forward' | 'refuse' | 'blackhole' = 'forward';
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  };
  const server = net.createServer((client) => {
    track(client);
    if (mode === 'blackhole') return; // accepted, never answered
    const upstream = net.connect(Number(target.port), target.hostname);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const port = await freePort();
  const listen = () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  const cutAll = () => sockets.forEach((s) => s.destroy());
  await listen();
  const url = new URL(targetUrl);
  url.port = String(port);
  return {
    url: url.toString(),
    /** Connections refused, open ones cut: the server is down or unreachable. */
    async refuse() {
      mode = 'refuse';
      cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    /** Connections accepted but never answered, open ones cut: a hung server, a black-holed route. */
    async blackhole() {
      if (!server.listening) await listen();
      mode = 'blackhole';
      cutAll();
    },
    async restore() {
      if (!server.listening) await listen();
      mode = 'forward';
      cutAll();
    },
    async close() {
      cutAll();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readyz(baseUrl: string) {
  const startedAt = Date.now();
  const response = await fetch(`${baseUrl}/readyz`);
  return { status: response.status, body: (await response.json()) as any, tookMs: Date.now() - startedAt };
}

describe('/healthz and /readyz', () => {
  let t: TestApp | null = null;
  afterEach(async () => {
    await t?.stop();
    t = null;
  });

  it('answer 200 in the all role, with every check', async () => {
    t = await startTestApp();
    const health = await fetch(`${t.app.httpUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await readyz(t.app.httpUrl);
    expect(ready).toMatchObject({ status: 200, body: { ready: true, status: 'running', checks: { database: 'ok', migrations: 'ok', worker: 'ok' } } });
    expect(ready.body.reason).toBeUndefined();
    expect((await fetch(`${t.app.httpUrl}/readyz`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${t.app.httpUrl}/readyz`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${t.app.httpUrl}/elsewhere`)).status).toBe(404);
  });

  it('answer 503 fast with the database reason while it is unreachable or hung, and 200 once it is back', async () => {
    const proxy = await databaseProxy(await createTestDatabase());
    try {
      // The api role: the checks are the database's alone, whatever the worker does about the outage.
      t = await startTestApp({ databaseUrl: proxy.url, env: { POSTFLOW_ROLE: 'api' } });
      expect((await readyz(t.app.httpUrl)).body).toEqual({ ready: true, status: 'running', checks: { database: 'ok', migrations: 'ok' } });

      await proxy.refuse();
      const refused = await readyz(t.app.httpUrl);
      expect(refused.status).toBe(503);
      expect(refused.body.checks).toEqual({ database: expect.stringMatching(/^unreachable: .*ECONNREFUSED/), migrations: 'unknown: the database is unreachable' });
      expect(refused.body.reason).toMatch(/^database: unreachable/);
      expect(refused.tookMs).toBeLessThan(1500);
      expect((await fetch(`${t.app.httpUrl}/healthz`)).status).toBe(200); // the process itself is fine

      await proxy.blackhole();
      const hung = await readyz(t.app.httpUrl);
      expect(hung.status).toBe(503);
      expect(hung.body.checks.database).toBe('no answer within 2000 ms');
      expect(hung.tookMs).toBeLessThan(3500);

      await proxy.restore();
      // The probe that was waiting on the black hole ends with its cut connection; the next one finds the database.
      const app = t.app;
      const back = await eventually(
        async () => {
          const answer = await readyz(app.httpUrl);
          return answer.status === 200 && answer;
        },
        5000,
        '/readyz 200 after the database is back',
      );
      expect(back.body).toEqual({ ready: true, status: 'running', checks: { database: 'ok', migrations: 'ok' } });
    } finally {
      await t?.stop();
      t = null;
      await proxy.close();
    }
  });

  it('answer 503 naming a migration the database has not applied', async () => {
    t = await startTestApp({ env: { POSTFLOW_ROLE: 'api' } });
    const client = new pg.Client({ connectionString: t.databaseUrl });
    await client.connect();
    const { rows } = await client.query<{ name: string }>('DELETE FROM postflow_migrations WHERE name = (SELECT max(name) FROM postflow_migrations) RETURNING name');
    await client.end();
    const ready = await readyz(t.app.httpUrl);
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toEqual({ database: 'ok', migrations: `not applied: ${rows[0].name}` });
  });
});

describe('readiness around start-up and shutdown', () => {
  it('is "starting" until the process has started, and "shutting down" from the moment shutdown begins', async () => {
    const readiness = createReadiness();
    expect(await readiness.report()).toEqual({ ready: false, status: 'starting', reason: 'starting', checks: {} });
    const pool = { query: async () => ({ rows: [{ name: '0001_init' }] }) } as unknown as pg.Pool;
    readiness.running({ pool, migrations: ['0001_init'], worker: { health: () => ({ ready: false, reason: 'lost its database: rebuilding' }) } });
    expect(await readiness.report()).toEqual({
      ready: false,
      status: 'running',
      reason: 'worker: lost its database: rebuilding',
      checks: { database: 'ok', migrations: 'ok', worker: 'lost its database: rebuilding' },
    });
    readiness.stopping();
    expect(await readiness.report()).toEqual({ ready: false, status: 'stopping', reason: 'shutting down', checks: {} });
  });
});

describe('a worker-only process', () => {
  let databaseUrl: string;
  let dataDir: string;
  beforeAll(async () => {
    await build(projectLayout(), { onlyIfStale: true, log: () => {} });
    databaseUrl = await createTestDatabase();
    dataDir = await mkdtemp(path.join(tmpdir(), 'postflow-worker-'));
  }, 180_000);
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('serves /healthz and /readyz (with the worker check) on its PORT, and no API', async () => {
    const port = await freePort();
    // WORKER_CONCURRENCY '' leaves it at its default, the value graphile-worker's pool warning is about.
    const env = testEnv(databaseUrl, dataDir, { POSTFLOW_ROLE: 'worker', PORT: String(port), LOG_LEVEL: 'info', WORKER_CONCURRENCY: '' });
    const worker = spawnCommand(process.execPath, ['scripts/start.mjs'], env);
    try {
      const base = `http://127.0.0.1:${port}`;
      expect(await waitForReady(base, worker)).toEqual({ ready: true, status: 'running', checks: { database: 'ok', migrations: 'ok', worker: 'ok' } });
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/graphql`)).status).toBe(404);
      expect((await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' })).status).toBe(404);
      expect(worker.output()).toMatch(/worker process listening on http:\/\/127\.0\.0\.1:\d+ \(health: \/healthz, \/readyz\)/);
      expect(worker.output()).not.toMatch(/GraphQL API on|maxPoolSize/);
    } finally {
      worker.child.kill('SIGTERM');
      expect((await worker.exited).code).toBe(0);
    }
  }, 60_000);
});
