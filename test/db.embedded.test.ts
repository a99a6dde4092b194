// Who can log in to the embedded PostgreSQL: only PostFlow, with the password it generated into the data folder,
// over loopback, with SCRAM. A data folder from before that password (the built-in constant) is switched over.
import { statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { LEGACY_PASSWORD } from '../src/db/embeddedAuth.js';
import { startEmbeddedPostgres, type RunningPostgres } from '../src/db/embeddedPostgres.js';
import { freePort } from './helpers/ports.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function started(dataDir: string, port: number, warnings: string[] = []): Promise<RunningPostgres> {
  const postgres = await startEmbeddedPostgres({ dataDir, port, logger: { info: () => {}, warn: (m) => warnings.push(m) } });
  cleanups.push(() => postgres.stop());
  return postgres;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** What a client with `password` is told: null when it got in, else the server's SQLSTATE. */
async function loginWith(port: number, password: string): Promise<string | null> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.end();
    return null;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

/** The rules the server actually loaded from pg_hba.conf. */
const hbaRules = (url: string) => query<{ type: string; auth_method: string }>(url, 'SELECT type, auth_method FROM pg_hba_file_rules ORDER BY line_number');

async function dataFolder(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'postflow-embedded-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return path.join(dir, 'postgres');
}

describe('the embedded PostgreSQL', () => {
  it('generates its password into a 0600 file, reuses it, listens on loopback only and takes nothing but SCRAM', async () => {
    const dataDir = await dataFolder();
    const port = await freePort();
    const first = await started(dataDir, port);
    const file = `${dataDir}.password`;
    const password = (await readFile(file, 'utf8')).trim();

    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(file).uid).toBe(process.getuid!());
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await loginWith(port, password)).toBeNull();
    expect(await loginWith(port, LEGACY_PASSWORD)).toBe('28P01'); // password authentication failed
    const [settings] = await query<Record<string, string>>(
      first.url(),
      `SELECT current_setting('listen_addresses') AS listen, current_setting('unix_socket_directories') AS sockets, current_setting('password_encryption') AS encryption`,
    );
    expect(settings).toEqual({ listen: '127.0.0.1', sockets: '', encryption: 'scram-sha-256' });
    const rules = await hbaRules(first.url());
    expect(rules.length).toBeGreaterThan(0);
    expect(rules.every((r) => r.type === 'host' && r.auth_method === 'scram-sha-256')).toBe(true);
    await query(first.url(), `CREATE TABLE kept (v text); INSERT INTO kept VALUES ('before the restart')`);
    await first.stop();

    const warnings: string[] = [];
    const second = await started(dataDir, port, warnings);
    expect((await readFile(file, 'utf8')).trim()).toBe(password);
    expect(await query(second.url(), 'SELECT v FROM kept')).toEqual([{ v: 'before the restart' }]);
    expect(warnings).toEqual([]);
  });

  it('switches a data folder made with the old built-in password over to a generated one, keeping its data', async () => {
    const dataDir = await dataFolder();
    const port = await freePort();
    // The state a cluster from before is in: the constant password, initdb's `password` rules (cleartext, and a
    // `local` line), and no password file.
    const old = await started(dataDir, port);
    await query(old.url(), `CREATE TABLE kept (v text); INSERT INTO kept VALUES ('from before'); ALTER ROLE postgres PASSWORD '${LEGACY_PASSWORD}'`);
    await old.stop();
    const hba = ['local all all password', 'host all all 127.0.0.1/32 password', 'host all all ::1/128 password', 'host replication all 127.0.0.1/32 password'];
    await writeFile(path.join(dataDir, 'pg_hba.conf'), `${hba.join('\n')}\n`);
    await rm(`${dataDir}.password`);

    const warnings: string[] = [];
    const postgres = await started(dataDir, port, warnings);
    const file = `${dataDir}.password`;
    const password = (await readFile(file, 'utf8')).trim();

    expect(warnings).toEqual([`embedded PostgreSQL: replaced the old built-in superuser password with the one generated into ${file}`]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(password).not.toBe(LEGACY_PASSWORD);
    expect(await query(postgres.url(), 'SELECT v FROM kept')).toEqual([{ v: 'from before' }]);
    expect(await loginWith(port, LEGACY_PASSWORD)).toBe('28P01');
    expect(await loginWith(port, password)).toBeNull();
    expect((await hbaRules(postgres.url())).map((r) => `${r.type} ${r.auth_method}`)).toEqual(['host scram-sha-256', 'host scram-sha-256']);
  });
});
