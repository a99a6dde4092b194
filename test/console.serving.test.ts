// The console's files as HTTP serves them (no browser): /admin/ from admin/dist, `/` leading there, content types,
// caching (hashed assets for a year, index.html revalidated), the page's security headers, gzip when asked, the
// app's fallback, no way out of the build folder, and a 503 naming the build command while there is no build.
import http from 'node:http';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleRoutes } from '../src/server/consoleRoutes.js';
import { startHttpServer, type HttpServer } from '../src/server/httpServer.js';
import { RouteTable } from '../src/server/routes.js';
import { createLogger } from '../src/logger.js';
import { buildConsole, consoleLayout } from '../scripts/console/build.mjs';
import { startTestApp, type TestApp } from './helpers/testApp.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A raw request: the path goes out exactly as written (fetch would resolve `..` before sending it). */
function get(origin: string, rawPath: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const request = http.request({ hostname, port, path: rawPath, method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
    });
    request.on('error', reject);
    request.end();
  });
}

const INDEX = '<!doctype html><html lang="en"><head><script type="module" src="/admin/assets/index-AbC123.js"></script></head><body><div id="root"></div></body></html>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(4000))});`;
const SECRET = 'a file beside the build that must never be served';

/** A build as scripts/console/build.mjs leaves one, plus a dotfile inside and a file beside it. */
function fakeBuild(root: string, stamp = 'one'): string {
  const dist = path.join(root, 'dist');
  mkdirSync(path.join(dist, 'assets'), { recursive: true });
  writeFileSync(path.join(dist, 'index.html'), INDEX);
  writeFileSync(path.join(dist, 'index.html.gz'), gzipSync(INDEX));
  writeFileSync(path.join(dist, 'assets/index-AbC123.js'), SCRIPT);
  writeFileSync(path.join(dist, 'assets/index-AbC123.js.gz'), gzipSync(SCRIPT));
  writeFileSync(path.join(dist, 'assets/logo-Zz9.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(path.join(dist, '.env'), SECRET);
  writeFileSync(path.join(dist, '.build-stamp'), `${stamp}\n`);
  writeFileSync(path.join(root, 'package.json'), SECRET);
  return dist;
}

async function serve(distDir: string): Promise<HttpServer> {
  const routes = new RouteTable().add(...consoleRoutes({ distDir }));
  const server = await startHttpServer({ host: '127.0.0.1', port: 0, routes, logger: createLogger('silent') });
  server.markStarted();
  return server;
}

describe('the console served from a build', () => {
  let root: string;
  let server: HttpServer;
  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'postflow-console-'));
    server = await serve(fakeBuild(root));
  });
  afterAll(async () => {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("sends an invitation link on to the console's page for it, the token in the fragment, and refuses what is no token", async () => {
    const answer = await get(server.url, '/invitations/Ab_c-12');
    expect(answer.status).toBe(302);
    expect(answer.headers.location).toBe('/admin/#/invitation/Ab_c-12');
    expect(answer.headers['cache-control']).toBe('no-cache');
    for (const bad of ['/invitations', '/invitations/', '/invitations/a%20b', '/invitations/a/b', `/invitations/${'x'.repeat(201)}`]) {
      expect((await get(server.url, bad)).status, bad).toBe(404);
    }
  });

  it('serves index.html at /admin/ with the page policy, revalidated on every visit', async () => {
    const answer = await get(server.url, '/admin/');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/html;\s*charset=utf-8$/i);
    expect(answer.headers['cache-control']).toBe('no-cache');
    expect(answer.body.toString()).toBe(INDEX);
    const policy = answer.headers['content-security-policy']!;
    const host = new URL(server.url).host;
    expect(policy).toContain("default-src 'self'");
    expect(policy).toContain(`connect-src 'self' ws://${host} wss://${host}`);
    expect(policy).toContain("img-src 'self' data: http: https:");
    expect(policy).toContain("style-src 'self' 'unsafe-inline'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toMatch(/script-src[^;]*unsafe/);
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['referrer-policy']).toBe('same-origin');
  });

  it('serves hashed assets with their type, cached for a year as immutable', async () => {
    const script = await get(server.url, '/admin/assets/index-AbC123.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(script.headers['x-content-type-options']).toBe('nosniff');
    expect(script.body.toString()).toBe(SCRIPT);
    const image = await get(server.url, '/admin/assets/logo-Zz9.svg');
    expect(image.headers['content-type']).toBe('image/svg+xml');
  });

  it('sends the precompressed file to a client taking gzip, and the plain one otherwise', async () => {
    const zipped = await get(server.url, '/admin/assets/index-AbC123.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toMatch(/accept-encoding/i);
    expect(zipped.headers['content-type']).toBe('text/javascript');
    expect(zipped.body.length).toBeLessThan(SCRIPT.length / 10);
    expect(gunzipSync(zipped.body).toString()).toBe(SCRIPT);
    const plain = await get(server.url, '/admin/assets/index-AbC123.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
  });

  it('answers HEAD with the headers only', async () => {
    const answer = await get(server.url, '/admin/assets/index-AbC123.js', {}, 'HEAD');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-length']).toBe(String(SCRIPT.length));
    expect(answer.body.length).toBe(0);
  });

  it('falls back to index.html for the app paths that are no file, but not for a missing asset', async () => {
    const appPath = await get(server.url, '/admin/some/page?x=1');
    expect(appPath.status).toBe(200);
    expect(appPath.body.toString()).toBe(INDEX);
    expect(appPath.headers['cache-control']).toBe('no-cache');
    const missing = await get(server.url, '/admin/assets/index-Gone99.js');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^text\/html/);
  });

  it('redirects /admin to /admin/ (keeping the query), and / to the console', async () => {
    const bare = await get(server.url, '/admin?lang=en');
    expect(bare.status).toBe(302);
    expect(bare.headers.location).toBe('/admin/?lang=en');
    const rootPath = await get(server.url, '/');
    expect(rootPath.status).toBe(302);
    expect(rootPath.headers.location).toBe('/admin/');
  });

  it('never leaves the build folder, nor serves a dotfile', async () => {
    const attempts = [
      '/admin/../package.json',
      '/admin/assets/../../package.json',
      '/admin/%2e%2e/package.json',
      '/admin/%2E%2E%2Fpackage.json',
      '/admin/assets/..%2f..%2fpackage.json',
      '/admin/..%5c..%5cpackage.json',
      '/admin/.env',
      '/admin/%2eenv',
      '/admin/.build-stamp',
      '/admin/index.html%00.js',
      '/admin/%E0%A4%A',
    ];
    for (const attempt of attempts) {
      const answer = await get(server.url, attempt);
      expect(answer.status, attempt).toBe(404);
      expect(answer.body.toString(), attempt).not.toContain(SECRET);
    }
  });

  it('serves a new build swapped in while the server runs', async () => {
    const next = '<!doctype html><title>next build</title>';
    writeFileSync(path.join(root, 'dist/index.html'), next);
    rmSync(path.join(root, 'dist/index.html.gz'));
    writeFileSync(path.join(root, 'dist/.build-stamp'), 'two\n');
    const later = new Date(Date.now() + 5000);
    utimesSync(path.join(root, 'dist/.build-stamp'), later, later);
    expect((await get(server.url, '/admin/')).body.toString()).toBe(next);
  });
});

describe('the console before it is built', () => {
  it('answers 503 with the command that builds it', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'postflow-console-none-'));
    const server = await serve(path.join(empty, 'dist'));
    try {
      const answer = await get(server.url, '/admin/');
      expect(answer.status).toBe(503);
      expect(answer.headers['content-type']).toMatch(/^text\/html/);
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.body.toString()).toContain('npm run build');
      expect((await get(server.url, '/admin/assets/index-AbC123.js')).status).toBe(503);
    } finally {
      await server.stop();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('the console in PostFlow', () => {
  let t: TestApp;
  beforeAll(async () => {
    [t] = await Promise.all([startTestApp(), buildConsole(consoleLayout(), { onlyIfStale: true, log: () => {} })]);
  });
  afterAll(() => t.stop());

  it('leads from / to the real build, whose script is served compressed and cached', async () => {
    const origin = new URL(t.url).origin;
    expect((await get(origin, '/')).headers.location).toBe('/admin/');
    const page = await get(origin, '/admin/');
    expect(page.status).toBe(200);
    const html = page.body.toString();
    const script = /<script type="module" crossorigin src="(\/admin\/assets\/[\w-]+\.js)">/.exec(html)?.[1];
    expect(script, html).toBeDefined();
    const bundle = await get(origin, script!, { 'accept-encoding': 'gzip' });
    expect(bundle.status).toBe(200);
    expect(bundle.headers['content-type']).toBe('text/javascript');
    expect(bundle.headers['content-encoding']).toBe('gzip');
    expect(bundle.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(gunzipSync(bundle.body).toString()).toBe(readFileSync(path.join(consoleLayout().root, 'admin/dist', script!.slice('/admin/'.length)), 'utf8'));
    // The API beside it is untouched by the console's routes.
    expect((await t.gql('{ __typename }')).data).toEqual({ __typename: 'Query' });
  });
});

describe('what the build folder holds that is not the build', () => {
  let root: string;
  let server: HttpServer;
  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'postflow-console-'));
    const dist = fakeBuild(root);
    // A link inside the build to a file beside it: sirv would follow it.
    symlinkSync(path.join(root, 'package.json'), path.join(dist, 'assets/linked-Aa1.js'));
    symlinkSync(path.join(root, 'package.json'), path.join(dist, 'linked.txt'));
    server = await serve(dist);
  });
  afterAll(async () => {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('a path under assets/ that names no file is a 404, never index.html cached as immutable', async () => {
    for (const missing of ['/admin/assets/chunk', '/admin/assets/nested/page']) {
      const answer = await get(server.url, missing);
      expect(answer.status, missing).toBe(404);
      expect(answer.headers['cache-control'], missing).not.toContain('immutable');
      expect(answer.body.toString(), missing).not.toBe(INDEX);
    }
  });

  it('does not follow a symbolic link out of the build', async () => {
    for (const linked of ['/admin/assets/linked-Aa1.js', '/admin/linked.txt']) {
      const answer = await get(server.url, linked);
      expect(answer.status, linked).toBe(404);
      expect(answer.body.toString(), linked).not.toContain(SECRET);
    }
    expect((await get(server.url, '/admin/assets/index-AbC123.js')).status).toBe(200);
  });

  it('answers 503, not 500, while the stamp is gone (a build being swapped in)', async () => {
    rmSync(path.join(root, 'dist/.build-stamp'));
    expect((await get(server.url, '/admin/')).status).toBe(503);
  });
});
