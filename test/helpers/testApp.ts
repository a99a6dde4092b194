// Starts PostFlow in-process on a fresh database, and talks to it like a client would: over HTTP and graphql-ws.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { loadConfig, type Config } from '../../src/config.js';
import { startPostFlow, type PostFlow } from '../../src/app.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { createTestDatabase } from './database.js';

export interface TestApp {
  app: PostFlow;
  config: Config;
  url: string;
  databaseUrl: string;
  gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<{ data?: T; errors?: GraphQLErrorShape[] }>;
  /** Like gql, but throws when the response has errors. */
  ok<T = any>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<T>;
  ws(token: string): Client;
  stop(): Promise<void>;
}

export interface GraphQLErrorShape {
  message: string;
  path?: string[];
  extensions?: { code?: string; issues?: { path: (string | number)[]; rule: string; message: string }[]; [k: string]: unknown };
}

export const TEST_SECRET_KEY = randomBytes(32).toString('base64');

/** Environment-style settings for a fast test instance; override any of them. */
export function testEnv(databaseUrl: string, dataDir: string, env: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    POSTFLOW_DATA_DIR: dataDir,
    POSTFLOW_SECRET_KEY: TEST_SECRET_KEY,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    WORKER_CONCURRENCY: '8',
    PUBLISH_RETRY_BASE_DELAY_MS: '200',
    PUBLISH_RETRY_MAX_DELAY_MS: '1000',
    PUBLISH_RECOVERY_INTERVAL_MS: '300',
    PROVIDER_REQUEST_TIMEOUT_MS: '3000',
    // The fakes and receivers that users' URLs point at listen on loopback, which the outbound policy refuses by default.
    POSTFLOW_OUTBOUND_ALLOW: '127.0.0.1/32,::1,localhost',
    // Every test signs up from 127.0.0.1, many times per file: throttles stay out of the way unless a test sets them.
    POSTFLOW_THROTTLE_SIGNUP_IP: '100000/3600',
    POSTFLOW_THROTTLE_LOGIN_IP: '100000/900',
    POSTFLOW_THROTTLE_BAD_CREDENTIALS_IP: '100000/900',
    POSTFLOW_THROTTLE_API_WORKSPACE: '1000000/3600',
    ...env,
  };
}

export async function startTestApp(options: { env?: Record<string, string>; databaseUrl?: string; logger?: Logger } = {}): Promise<TestApp> {
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase());
  const dataDir = await mkdtemp(path.join(tmpdir(), 'postflow-test-'));
  const config = loadConfig(testEnv(databaseUrl, dataDir, options.env));
  const app = await startPostFlow(config, options.logger ?? createLogger(config.logLevel));
  const url = app.url ? app.url.replace('localhost', '127.0.0.1') : '';
  const clients: Client[] = [];
  const gql: TestApp['gql'] = async (query, variables, token) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
      body: JSON.stringify({ query, variables }),
    });
    return response.json() as never;
  };
  return {
    app,
    config,
    url,
    databaseUrl,
    gql,
    async ok(query, variables, token) {
      const result = await gql(query, variables, token);
      if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
      return result.data!;
    },
    ws(token) {
      const client = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, lazy: false });
      clients.push(client);
      return client;
    },
    async stop() {
      await Promise.all(clients.map(async (c) => c.dispose()));
      await app.stop();
    },
  };
}

/** Signs a new user up and returns their session token. */
export async function signUp(t: TestApp, email = `u${randomBytes(4).toString('hex')}@example.com`): Promise<string> {
  const data = await t.ok<{ signup: { token: string } }>(`mutation($email: String!) { signup(email: $email, password: "correct horse", workspaceName: "Acme") { token } }`, {
    email,
  });
  return data.signup.token;
}

/** Collects what a subscription yields, and waits for what a test expects. */
export function collect<T>(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const items: T[] = [];
  const errors: unknown[] = [];
  let wake: (() => void) | null = null;
  const ready = new Promise<void>((resolve) => {
    client.on('connected', () => resolve());
  });
  let end: () => void = () => {};
  /** Settles when the server completes the subscription or fails it (see `errors`). */
  const ended = new Promise<void>((resolve) => (end = resolve));
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors) errors.push(value.errors);
        if (value.data) items.push(value.data as T);
        wake?.();
      },
      error: (error) => {
        errors.push(error);
        wake?.();
        end();
      },
      complete: () => end(),
    },
  );
  return {
    items,
    errors,
    ready,
    ended,
    dispose,
    async until(predicate: (items: T[]) => boolean, timeoutMs = 10_000): Promise<T[]> {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(items)) {
        if (errors.length) throw new Error(`subscription failed: ${JSON.stringify(errors)}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out waiting; got ${JSON.stringify(items)}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, Math.min(left, 100));
        });
      }
      return items;
    },
  };
}

/** Polls until check() returns a value that is not undefined/false. */
export async function eventually<T>(check: () => Promise<T | undefined | false | null>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false && value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
