// The runtime's settings and building blocks: POSTFLOW_PUBLIC_URL, defaults that agree with each other and with the
// embedded server, the route table, and the build that `npm start` makes when dist/ is missing or stale.
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { build, buildState, type BuildLayout } from '../scripts/build.mjs';
import { ConfigError, loadConfig } from '../src/config.js';
import { API_POOL_SIZE, poolSize } from '../src/db/database.js';
import { RouteTable } from '../src/server/routes.js';
import { PROJECT_ROOT } from './helpers/childProcess.js';
import { startTestApp } from './helpers/testApp.js';

function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('SMTP_URL', () => {
  it('is off by default, and takes smtp:// or smtps:// with a sender', () => {
    expect(loadConfig({}).mail).toBeNull();
    expect(loadConfig({ SMTP_URL: 'smtps://u:p@mail.example.com:465' }).mail).toEqual({
      smtpUrl: 'smtps://u:p@mail.example.com:465',
      from: 'PostFlow <postflow@mail.example.com>',
    });
    expect(loadConfig({ SMTP_URL: 'smtp://127.0.0.1:2525', SMTP_FROM: 'Team <team@example.com>' }).mail?.from).toBe('Team <team@example.com>');
  });

  it.each(['http://mail.example.com', 'mail.example.com:25', 'smtp://'])('refuses %s, naming the setting', (value) => {
    expect(configProblems({ SMTP_URL: value })[0]).toMatch(/^SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL/);
  });
});

describe('POSTFLOW_PUBLIC_URL', () => {
  it('defaults to http://localhost:PORT', () => {
    expect(loadConfig({}).publicUrl).toBe('http://localhost:4000');
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
  });

  it('takes an http(s) address, with or without a path, and drops a trailing slash', () => {
    expect(loadConfig({ POSTFLOW_PUBLIC_URL: 'https://postflow.example.com/' }).publicUrl).toBe('https://postflow.example.com');
    expect(loadConfig({ POSTFLOW_PUBLIC_URL: 'https://example.com:8443/postflow/' }).publicUrl).toBe('https://example.com:8443/postflow');
  });

  it.each([
    'postflow.example.com',
    'ftp://example.com',
    'https://example.com/?a=1',
    'https://example.com/#top',
    'https://user:pass@example.com',
    'http://example.com:0',
    'https://',
  ])('refuses %s, naming the setting', (value) => {
    const problems = configProblems({ POSTFLOW_PUBLIC_URL: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^POSTFLOW_PUBLIC_URL: must be the absolute http\(s\) address people reach PostFlow at/);
  });

  it('names the bound port when PORT=0 leaves it to the system', async () => {
    const t = await startTestApp({ env: { POSTFLOW_ROLE: 'api' } });
    try {
      const port = new URL(t.app.httpUrl).port;
      expect(port).not.toBe('0');
      expect(t.app.services.config.publicUrl).toBe(`http://localhost:${port}`);
    } finally {
      await t.stop();
    }
  });
});

describe('defaults that agree', () => {
  it('give the worker a pool no smaller than its concurrency, and recover abandoned publishes within 10 s', () => {
    for (const role of ['all', 'worker'] as const) {
      const config = loadConfig({ POSTFLOW_ROLE: role });
      expect(poolSize(config)).toBeGreaterThanOrEqual(config.worker.concurrency); // no graphile-worker warning
    }
    const raised = loadConfig({ WORKER_CONCURRENCY: '120' });
    expect(poolSize(raised)).toBeGreaterThanOrEqual(120);
    expect(loadConfig({}).worker.recoveryIntervalMs).toBe(5000);
  });

  it("fit three workers and an API into the embedded server's max_connections", async () => {
    // The test run's server is started by the same startEmbeddedPostgres as PostFlow's, with the same settings.
    const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
    await admin.connect();
    const setting = async (name: string) => Number((await admin.query(`SELECT setting FROM pg_settings WHERE name = $1`, [name])).rows[0]?.setting ?? 0);
    const usable = (await setting('max_connections')) - (await setting('superuser_reserved_connections')) - (await setting('reserved_connections'));
    await admin.end();
    // Besides its pool, a worker holds its liveness lock and an API its LISTEN connection.
    const worker = poolSize(loadConfig({ POSTFLOW_ROLE: 'worker' })) + 1;
    const api = poolSize(loadConfig({ POSTFLOW_ROLE: 'api' })) + 1;
    expect(api).toBe(API_POOL_SIZE + 1);
    expect(3 * worker + api).toBeLessThanOrEqual(usable);
  });
});

describe('the route table', () => {
  const handle = () => {};
  const routes = new RouteTable().add(
    { path: '/healthz', methods: ['GET'], handle },
    { path: '/graphql', handle },
    { path: '/console/*', methods: ['GET'], handle },
    { path: '/console/api/*', methods: ['POST'], handle },
  );
  const pathOf = (method: string, pathname: string) => {
    const match = routes.match(method, pathname);
    return match && 'route' in match ? match.route.path : match;
  };

  it('matches exact paths and the most specific prefix', () => {
    expect(pathOf('GET', '/healthz')).toBe('/healthz');
    expect(pathOf('GET', '/healthz/x')).toBe(null);
    expect(pathOf('GET', '/console')).toBe('/console/*');
    expect(pathOf('GET', '/console/posts/1')).toBe('/console/*');
    expect(pathOf('GET', '/consolex')).toBe(null);
    expect(pathOf('POST', '/console/api/login')).toBe('/console/api/*');
    expect(pathOf('DELETE', '/graphql')).toBe('/graphql'); // no methods: the handler decides
  });

  it('tells which methods a path takes, HEAD with GET', () => {
    expect(pathOf('HEAD', '/healthz')).toBe('/healthz');
    expect(routes.match('POST', '/healthz')).toEqual({ allowed: ['GET', 'HEAD'] });
  });

  it('refuses two routes for one path', () => {
    expect(() => routes.add({ path: '/healthz', handle })).toThrow('two routes for /healthz');
    expect(() => routes.add({ path: 'relative', handle })).toThrow(/must start with \//);
  });
});

describe('the build `npm start` makes', () => {
  // A small project of its own, so the test compiles in a second rather than PostFlow's whole source.
  const root = mkdtempSync(path.join(tmpdir(), 'postflow-build-'));
  symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(root, 'node_modules'));
  writeFileSync(path.join(root, 'package.json'), '{"type":"module"}');
  writeFileSync(
    path.join(root, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', strict: true, types: [], rewriteRelativeImportExtensions: true, rootDir: 'src', outDir: 'out' },
      include: ['src'],
    }),
  );
  mkdirSync(path.join(root, 'src'));
  const layout: BuildLayout = { root, project: 'tsconfig.json', outDir: 'out', inputs: ['src', 'tsconfig.json'] };
  const write = (file: string, text: string) => writeFileSync(path.join(root, 'src', file), text);
  const out = (file: string) => path.join(root, 'out', file);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is made when missing, kept while current, remade when a source changes, and drops files of deleted sources', async () => {
    write('main.ts', "import { two } from './two.ts';\nexport const answer: number = two * 21;\n");
    write('two.ts', 'export const two = 2;\n');
    expect(buildState(layout)).toBe('missing');
    const [first, second] = await Promise.all([build(layout, { onlyIfStale: true, log: () => {} }), build(layout, { onlyIfStale: true, log: () => {} })]);
    expect([first, second].sort()).toEqual([false, true]); // two starts at once compile once
    expect(readFileSync(out('main.js'), 'utf8')).toContain('from "./two.js"'); // the .ts import rewritten
    expect(buildState(layout)).toBe('current');

    write('main.ts', 'export const answer: number = 42;\n');
    unlinkSync(path.join(root, 'src', 'two.ts'));
    expect(buildState(layout)).toBe('stale');
    expect(await build(layout, { onlyIfStale: true, log: () => {} })).toBe(true);
    expect(existsSync(out('two.js'))).toBe(false);
    expect(buildState(layout)).toBe('current');
  }, 60_000);

  it('fails on a type error and leaves the previous build in place', async () => {
    const before = readFileSync(out('main.js'), 'utf8');
    write('main.ts', 'export const answer: number = "forty-two";\n');
    await expect(build(layout, { log: () => {} })).rejects.toThrow(/the build failed \(tsc exited with \d\):\n.*main\.ts.*TS2322/);
    expect(readFileSync(out('main.js'), 'utf8')).toBe(before);
    expect(buildState(layout)).toBe('stale');
  }, 60_000);
});
