// The production runtime as an operator or a container runtime runs it: `npm start` on the compiled build, stopped
// by SIGTERM to npm itself, by a second signal, and as PID 1. Nothing may outlive it: not node, not postgres, not
// the ports. Each process is the leader of its own process group, so "nothing left" is checked by the group id.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, projectLayout } from '../scripts/build.mjs';
import { childrenOf, isRunning, portIsFree, processGroup, spawnCommand, until, waitForReady } from './helpers/childProcess.js';
import { createTestDatabase } from './helpers/database.js';
import { OPEN_POLICY } from './helpers/scenario.js';
import { freePort } from './helpers/ports.js';
import { TEST_SECRET_KEY } from './helpers/testApp.js';

const STOPPED_WITHIN_MS = 10_000;

let dataDir: string;
let env: Record<string, string>;
const postmasterPidFile = () => path.join(dataDir, 'postgres', 'postmaster.pid');
const postmasterPid = () => Number(readFileSync(postmasterPidFile(), 'utf8').split('\n')[0]);
const base = () => `http://127.0.0.1:${env.PORT}`;

beforeAll(async () => {
  // Once per run, and only when src/ changed since the last build: the tests then start what `npm start` runs.
  await build(projectLayout(), { onlyIfStale: true, log: () => {} });
  dataDir = await mkdtemp(path.join(tmpdir(), 'postflow-runtime-'));
  // The held-up publish below goes to a receiver on loopback, which the outbound policy refuses unless allowed.
  env = {
    POSTFLOW_DATA_DIR: dataDir,
    PORT: String(await freePort()),
    POSTFLOW_EMBEDDED_PG_PORT: String(await freePort()),
    HOST: '127.0.0.1',
    POSTFLOW_OUTBOUND_ALLOW: '127.0.0.1/32',
  };
}, 180_000);

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function expectAllGone(pgid: number, pids: number[], signalledAt: number) {
  await until(() => processGroup(pgid).length === 0, STOPPED_WITHIN_MS, `process group ${pgid} is empty`);
  expect(Date.now() - signalledAt).toBeLessThan(STOPPED_WITHIN_MS);
  for (const pid of pids) expect(isRunning(pid), `pid ${pid} still running`).toBe(false);
  expect(await portIsFree(Number(env.PORT))).toBe(true);
  expect(await portIsFree(Number(env.POSTFLOW_EMBEDDED_PG_PORT))).toBe(true);
}

describe('the production runtime', () => {
  it('`npm start` runs node itself (no shell between), and SIGTERM to npm stops every process of the tree within 10 s', async () => {
    const npm = spawnCommand('npm', ['start'], env, { detached: true });
    const pgid = npm.child.pid!;
    expect(await waitForReady(base(), npm)).toEqual({ ready: true, status: 'running', checks: { database: 'ok', migrations: 'ok', worker: 'ok' } });

    // npm's script shell exec'd node: npm's only child is the node process running the compiled server.
    const [server, ...others] = childrenOf(pgid);
    expect(others).toEqual([]);
    const argv = readFileSync(`/proc/${server}/cmdline`, 'utf8').split('\0');
    expect(path.basename(argv[0])).toBe('node');
    expect(argv[1]).toBe('scripts/start.mjs');
    const postgres = postmasterPid();
    expect(childrenOf(server)).toContain(postgres);
    expect(processGroup(pgid)).toEqual(expect.arrayContaining([pgid, server, postgres]));
    expect(npm.output()).not.toMatch(/maxPoolSize/); // graphile-worker's pool-smaller-than-concurrency warning

    const signalledAt = Date.now();
    process.kill(pgid, 'SIGTERM'); // npm, not the group
    expect(await npm.exited).toEqual({ code: 0, signal: null });
    await expectAllGone(pgid, [server, postgres], signalledAt);
    expect(npm.output()).toMatch(/SIGTERM received: shutting down/);
    expect(existsSync(postmasterPidFile())).toBe(false); // a clean Postgres shutdown
  }, 90_000);

  it('SIGTERM during start-up lets the start finish, then stops everything it started', async () => {
    const server = spawnCommand(process.execPath, ['scripts/start.mjs'], env, { detached: true });
    const pgid = server.child.pid!;
    await server.waitForOutput(/starting the embedded PostgreSQL/);
    const signalledAt = Date.now();
    process.kill(pgid, 'SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.output()).toMatch(/SIGTERM received: shutting down/);
    await expectAllGone(pgid, [], signalledAt);
    expect(existsSync(postmasterPidFile())).toBe(false);
  }, 60_000);

  it('a second signal while a request holds the graceful shutdown exits at once, still stopping the embedded PostgreSQL', async () => {
    const server = spawnCommand(process.execPath, ['scripts/start.mjs'], env, { detached: true });
    const pgid = server.child.pid!;
    await waitForReady(base(), server);
    const postgres = postmasterPid();
    // A request whose body never finishes: the HTTP server waits for it (up to its drain time) before moving on.
    const socket = net.connect(Number(env.PORT), '127.0.0.1');
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"qu');
    await new Promise((r) => setTimeout(r, 200));

    process.kill(server.child.pid!, 'SIGTERM');
    await server.waitForOutput(/SIGTERM received/);
    await new Promise((r) => setTimeout(r, 1200)); // past the window in which a repeat counts as the same signal
    expect(server.child.exitCode).toBe(null); // still draining the request
    const signalledAt = Date.now();
    process.kill(server.child.pid!, 'SIGTERM');
    expect(await server.exited).toEqual({ code: 1, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(3000);
    expect(server.output()).toMatch(/SIGTERM again: exiting without waiting; stopping the embedded PostgreSQL/);
    await expectAllGone(pgid, [postgres], signalledAt);
    socket.destroy();
  }, 90_000);

  it('a shutdown held up by a publish that does not end is forced at its deadline, under 10 s, stopping PostgreSQL', async () => {
    // A webhook receiver that takes the request and never answers; the network time limit is longer than the deadline.
    const held: http.IncomingMessage[] = [];
    const receiver = http.createServer((request) => held.push(request));
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as net.AddressInfo).port}/hook`;
    const server = spawnCommand(process.execPath, ['scripts/start.mjs'], { ...env, PROVIDER_REQUEST_TIMEOUT_MS: '60000' }, { detached: true });
    const pgid = server.child.pid!;
    try {
      await waitForReady(base(), server);
      const postgres = postmasterPid();
      const gql = async (query: string, variables: Record<string, unknown>, token?: string) => {
        const response = await fetch(`${base()}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
          body: JSON.stringify({ query, variables }),
        });
        const result = (await response.json()) as { data?: any; errors?: unknown };
        if (result.errors) throw new Error(JSON.stringify(result.errors));
        return result.data;
      };
      const { signup } = await gql(`mutation { signup(email: "deadline@example.com", password: "long enough, surely", workspaceName: "W") { token } }`, {});
      const channel = { platform: 'WEBHOOK', name: 'Held', credentials: { url: hookUrl, secret: 'a-webhook-secret-of-enough-length' }, policy: OPEN_POLICY };
      const { createChannel } = await gql(`mutation($input: CreateChannelInput!) { createChannel(input: $input) { id } }`, { input: channel }, signup.token);
      await gql(
        `mutation($input: CreatePostInput!) { createPost(input: $input) { id } }`,
        { input: { content: 'never answered', channelIds: [createChannel.id], publishNow: true } },
        signup.token,
      );
      await until(() => held.length === 1, 10_000, 'the publish reached the receiver');

      const signalledAt = Date.now();
      process.kill(pgid, 'SIGTERM');
      expect(await server.exited).toEqual({ code: 1, signal: null });
      expect(Date.now() - signalledAt).toBeGreaterThan(7500); // it did wait for the publish, as long as it could
      expect(server.output()).toMatch(/shutdown did not finish within 8 s; stopping the embedded PostgreSQL/);
      await expectAllGone(pgid, [postgres], signalledAt);
    } finally {
      server.child.kill('SIGKILL');
      receiver.closeAllConnections();
      receiver.close();
    }
  }, 60_000);

  it('as PID 1 (a container), SIGTERM to node shuts it down gracefully', async () => {
    // A new PID namespace makes node its init process, which gets no default signal behaviour: only handlers.
    const asUser = userInfo().uid === 0 ? [] : ['--user', '--map-root-user'];
    const databaseUrl = await createTestDatabase();
    const pid1Env = { ...env, DATABASE_URL: databaseUrl, POSTFLOW_SECRET_KEY: TEST_SECRET_KEY };
    const unshare = spawnCommand('unshare', [...asUser, '--pid', '--fork', '--mount-proc', '--kill-child', process.execPath, 'scripts/start.mjs'], pid1Env, { detached: true });
    const pgid = unshare.child.pid!;
    await until(() => childrenOf(pgid).length === 1, 10_000, 'unshare started node');
    const [node] = childrenOf(pgid);
    const nsPids = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${node}/status`, 'utf8'))![1].split(/\s+/);
    expect(nsPids.at(-1)).toBe('1');
    await waitForReady(base(), unshare);

    const signalledAt = Date.now();
    process.kill(node, 'SIGTERM');
    expect(await unshare.exited).toEqual({ code: 0, signal: null }); // unshare passes on node's exit status
    expect(unshare.output()).toMatch(/SIGTERM received: shutting down/);
    await until(() => processGroup(pgid).length === 0, STOPPED_WITHIN_MS, 'the namespace is empty');
    expect(Date.now() - signalledAt).toBeLessThan(STOPPED_WITHIN_MS);
    expect(await portIsFree(Number(env.PORT))).toBe(true);
  }, 60_000);
});
