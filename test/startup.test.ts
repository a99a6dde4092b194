// `npm start` as an operator runs it: embedded PostgreSQL, migrations, API and worker in one process;
// configuration errors explained; SIGTERM shuts down cleanly; a restart keeps the data.
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnPostFlow } from './helpers/childProcess.js';
import { freePort } from './helpers/ports.js';
import { loadConfig, ConfigError } from '../src/config.js';

async function gql(port: number, query: string) {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return (await response.json()) as any;
}

describe('npm start', () => {
  it('runs on an embedded PostgreSQL, stops on SIGTERM, and keeps its data across a restart', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'postflow-start-'));
    const env = { POSTFLOW_DATA_DIR: dataDir, PORT: String(await freePort()), POSTFLOW_EMBEDDED_PG_PORT: String(await freePort()), HOST: '127.0.0.1' };
    try {
      const first = spawnPostFlow(env);
      await first.waitForOutput(/worker started/, 60_000);
      expect(first.output()).toMatch(/applied migrations: 0001_init/);
      expect(first.output()).toContain(`GraphQL API on http://localhost:${env.PORT}/graphql`); // POSTFLOW_PUBLIC_URL's default
      const signup = await gql(Number(env.PORT), `mutation { signup(email: "owner@example.com", password: "long enough, surely", workspaceName: "Shop") { token } }`);
      expect(signup.data.signup.token).toMatch(/^ey/);
      const page = await fetch(`http://127.0.0.1:${env.PORT}/graphql`, { headers: { accept: 'text/html' } });
      expect(await page.text()).toContain('PostFlow'); // GraphiQL, titled

      first.child.kill('SIGTERM');
      expect(await first.exited).toEqual({ code: 0, signal: null });
      expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false); // Postgres stopped too

      const second = spawnPostFlow(env);
      await second.waitForOutput(/worker started/, 60_000);
      expect(second.output()).not.toMatch(/applied migrations/);
      const login = await gql(Number(env.PORT), `mutation { login(email: "owner@example.com", password: "long enough, surely") { token } }`);
      expect(login.data.login.token).toMatch(/^ey/);
      second.child.kill('SIGINT');
      expect((await second.exited).code).toBe(0);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('refuses a wrong configuration with a message that names the setting and the fix', async () => {
    const bad = spawnPostFlow({ POSTFLOW_ROLE: 'everything', PORT: 'eighty', DATABASE_URL: 'mysql://x', POSTFLOW_PUBLIC_URL: 'postflow.example.com' });
    const { code } = await bad.exited;
    expect(code).toBe(2);
    expect(bad.output()).toContain('POSTFLOW_ROLE');
    expect(bad.output()).toContain('PORT');
    expect(bad.output()).toMatch(/DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(bad.output()).toMatch(/POSTFLOW_PUBLIC_URL: must be the absolute http\(s\) address/);
  });
});

describe('loadConfig', () => {
  it('applies defaults and reads every setting from the environment', () => {
    const config = loadConfig({ PORT: '5000', POSTFLOW_ROLE: 'worker', WORKER_CONCURRENCY: '4', TELEGRAM_API_URL: 'http://127.0.0.1:9/' });
    expect(config).toMatchObject({ port: 5000, role: 'worker', databaseUrl: null, worker: { concurrency: 4, maxAttempts: 6 } });
    expect(config.providers.telegramApiUrl).toBe('http://127.0.0.1:9');
    expect(path.isAbsolute(config.dataDir)).toBe(true);
  });

  it('lists every problem at once', () => {
    try {
      loadConfig({ POSTFLOW_SECRET_KEY: 'short', WORKER_CONCURRENCY: '0' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toHaveLength(2);
      expect((error as Error).message).toMatch(/POSTFLOW_SECRET_KEY: must be 32 random bytes/);
    }
  });
});
