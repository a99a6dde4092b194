// The database outlives its own failures: the embedded PostgreSQL is started again when it dies (killed, or shut
// down by someone else) with its data, and an external server that is not up yet is waited for at start-up.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createPool, openDatabase } from '../src/db/database.js';
import { startEmbeddedPostgres } from '../src/db/embeddedPostgres.js';
import type { Logger } from '../src/logger.js';
import { freePort } from './helpers/ports.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'postflow-supervision-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function recordingLogger() {
  const lines = { debug: [] as string[], info: [] as string[], warn: [] as string[], error: [] as string[] };
  const logger: Logger = {
    debug: (m) => lines.debug.push(m),
    info: (m) => lines.info.push(m),
    warn: (m) => lines.warn.push(m),
    error: (m) => lines.error.push(m),
  };
  return { logger, lines };
}

async function until<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve()
      .then(check)
      .catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function postmasterPid(dataDir: string): Promise<number> {
  return Number((await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Postmasters serving dataDir (their command line names it) and every process they forked. */
function postgresProcesses(dataDir: string): number[] {
  const table = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
        return [{ pid: Number(name), ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]), cmdline }];
      } catch {
        return []; // exited while we looked
      }
    });
  const postmasters = table.filter((p) => p.cmdline.includes(dataDir)).map((p) => p.pid);
  return [...postmasters, ...table.filter((p) => postmasters.includes(p.ppid)).map((p) => p.pid)];
}

describe('the embedded PostgreSQL, supervised', () => {
  it('is restarted after SIGKILL with its data, and the pool carries on', async () => {
    const dir = await tempDir();
    const dataDir = path.join(dir, 'postgres');
    const { logger, lines } = recordingLogger();
    const config = loadConfig({ POSTFLOW_DATA_DIR: dir, POSTFLOW_EMBEDDED_PG_PORT: String(await freePort()) });
    const database = await openDatabase(config, logger);
    cleanups.push(() => database.close());
    await database.pool.query(`CREATE TABLE kept (v text); INSERT INTO kept VALUES ('written before the kill')`);
    const killed = await postmasterPid(dataDir);

    process.kill(killed, 'SIGKILL');
    await until(() => database.embeddedState() === 'restarting', 'the supervisor to notice');
    const rows = await until(async () => (await database.pool.query('SELECT v FROM kept')).rows, 'the data to be served again');

    expect(rows).toEqual([{ v: 'written before the kill' }]);
    expect(database.embeddedState()).toBe('up');
    expect(isAlive(killed)).toBe(false);
    expect(await postmasterPid(dataDir)).not.toBe(killed);
    expect(lines.warn).toContainEqual(expect.stringMatching(/^embedded PostgreSQL exited unexpectedly \(killed by SIGKILL\); restarting it in/));
    expect(lines.info).toContain('embedded PostgreSQL restarted');

    const running = postgresProcesses(dataDir);
    expect(running.length).toBeGreaterThan(1); // the postmaster and its helpers
    await database.close();
    expect(database.embeddedState()).toBe('stopped');
    expect(running.filter(isAlive)).toEqual([]);
    expect(postgresProcesses(dataDir)).toEqual([]);
    expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);
  });

  it('is restarted after a SIGTERM, which would otherwise wait for open sessions forever', async () => {
    const dataDir = path.join(await tempDir(), 'data');
    const { logger, lines } = recordingLogger();
    const postgres = await startEmbeddedPostgres({ dataDir, port: await freePort(), logger });
    cleanups.push(() => postgres.stop());
    const session = new pg.Client({ connectionString: postgres.url() });
    session.on('error', () => {}); // the fast shutdown ends it
    await session.connect();
    cleanups.push(() => session.end());
    await session.query(`CREATE TABLE kept (v text); INSERT INTO kept VALUES ('written before the stop')`);
    const stopped = await postmasterPid(dataDir);

    process.kill(stopped, 'SIGTERM');
    const rows = await until(() => selectKept(postgres.url(), stopped, dataDir), 'the restarted server to answer');

    expect(rows).toEqual([{ v: 'written before the stop' }]);
    expect(postgres.state()).toBe('up');
    expect(lines.warn).toContainEqual(expect.stringMatching(/asked to shut down \(SIGTERM\)/));
    expect(lines.warn).toContainEqual(expect.stringMatching(/^embedded PostgreSQL exited unexpectedly \(exit code 0\)/));
    expect(lines.info).toContain('embedded PostgreSQL restarted');

    const running = postgresProcesses(dataDir);
    await postgres.stop();
    expect(running.filter(isAlive)).toEqual([]);
    expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);
  });

  it.each([
    ['while it waits to restart', 'restarting'],
    ['while the new server is starting', 'spawned'],
  ] as const)('stops for good when stopped %s', async (_when, moment) => {
    const dataDir = path.join(await tempDir(), 'data');
    const { logger, lines } = recordingLogger();
    const output: string[] = [];
    // A long first delay in the first case, so that stop() surely lands in it.
    const restartDelays = moment === 'restarting' ? { firstMs: 1_000, maxMs: 1_000 } : undefined;
    const postgres = await startEmbeddedPostgres({ dataDir, port: await freePort(), logger, log: (line) => output.push(line), restartDelays });
    cleanups.push(() => postgres.stop());
    const killed = await postmasterPid(dataDir);
    const starts = () => output.filter((line) => line.includes('starting PostgreSQL')).length;
    expect(starts()).toBe(1);

    process.kill(killed, 'SIGKILL');
    await until(() => postgres.state() === 'restarting', 'the supervisor to notice');
    if (moment === 'spawned') await until(() => starts() === 2, 'a new postmaster');
    else expect(starts()).toBe(1);
    await postgres.stop();

    expect(postgres.state()).toBe('stopped');
    await new Promise((r) => setTimeout(r, 1_500)); // past any restart delay: long enough for a stray restart to show
    expect(postgresProcesses(dataDir)).toEqual([]);
    expect(lines.info).not.toContain('embedded PostgreSQL restarted');
    expect(starts()).toBe(moment === 'spawned' ? 2 : 1);
  });
});

async function selectKept(url: string, oldPid: number, dataDir: string) {
  if ((await postmasterPid(dataDir)) === oldPid) return undefined;
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query('SELECT v FROM kept')).rows;
  } finally {
    await client.end();
  }
}

describe('an external DATABASE_URL', () => {
  const configFor = (url: string, dataDir: string) => loadConfig({ DATABASE_URL: url, POSTFLOW_DATA_DIR: dataDir });

  it('is waited for when its server comes up late', async () => {
    const dir = await tempDir();
    const port = await freePort();
    // The embedded server takes the password it finds in its password file: known here before it starts.
    await writeFile(path.join(dir, 'late.password'), 'late-password\n', { mode: 0o600 });
    const url = `postgresql://postgres:late-password@127.0.0.1:${port}/postgres`;
    const { logger, lines } = recordingLogger();
    const opening = openDatabase(configFor(url, dir), logger, { connectRetryMs: 60_000 });
    opening.catch(() => {}); // awaited below, once the server is up

    await until(() => lines.warn.length > 0, 'a first retry');
    const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'late'), port, ephemeral: true });
    cleanups.push(() => server.stop());
    const database = await opening;
    cleanups.push(() => database.close());

    expect((await database.pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect(database.embeddedState()).toBeNull();
    expect(lines.warn[0]).toMatch(
      new RegExp(`^PostgreSQL not reachable at postgresql://postgres:\\*\\*\\*@127\\.0\\.0\\.1:${port}/postgres, retrying in [\\d.]+ s: .*ECONNREFUSED`),
    );
  });

  it('fails with the clear message when nobody serves it within the bound', async () => {
    const port = await freePort();
    const { logger, lines } = recordingLogger();
    const opening = openDatabase(configFor(`postgresql://postgres:secret@127.0.0.1:${port}/postflow`, await tempDir()), logger, { connectRetryMs: 1_500 });

    await expect(opening).rejects.toThrow(
      new RegExp(`^Cannot connect to PostgreSQL at postgresql://postgres:\\*\\*\\*@127\\.0\\.0\\.1:${port}/postflow: .*ECONNREFUSED.* \\(tried for [\\d.]+ s\\)$`),
    );
    expect(lines.warn.length).toBeGreaterThanOrEqual(1);
    expect(lines.warn.join('\n')).not.toContain('secret');
  });

  it('fails at once when the server answers with a refusal (wrong password)', async () => {
    const url = new URL(inject('pgAdminUrl'));
    url.password = 'not-the-password';
    const { logger, lines } = recordingLogger();

    await expect(openDatabase(configFor(url.toString(), await tempDir()), logger)).rejects.toThrow(/^Cannot connect to PostgreSQL at .*:\*\*\*@.*password authentication failed/);
    expect(lines.warn).toEqual([]);
  });

  it('gives a query on a server that does not answer an error in seconds, not a hang', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket)); // accepts, never speaks
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });
    const { port } = silent.address() as net.AddressInfo;
    const pool = createPool(`postgresql://postgres:x@127.0.0.1:${port}/postgres`, recordingLogger().logger, 1);
    cleanups.push(() => pool.end());

    await expect(pool.query('SELECT 1')).rejects.toThrow(/timeout/);
  });
});
