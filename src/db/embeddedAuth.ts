// Who may log in to the embedded PostgreSQL: whoever has the superuser password that PostFlow generated into the
// data folder (mode 0600), over loopback TCP, with SCRAM. Until 2026-12 the password was a constant known to every
// local account, which could then run programs as the `postgres` OS user (COPY ... PROGRAM): a cluster from then is
// switched over at its next start.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chown, link, mkdtemp, open, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** The password clusters created before the generated one had (and that some may still have). */
export const LEGACY_PASSWORD = 'postflow';

export type Owner = { uid: number; gid: number };

/** Beside the cluster's own folder, in the data folder: `.postflow-data/postgres.password`. */
export const passwordFileOf = (dataDir: string) => `${dataDir}.password`;

// PostFlow's own connections are all TCP to 127.0.0.1 (listen_addresses); there is no Unix socket
// (unix_socket_directories is empty), so no `local` rule is needed, and no rule lets anyone in without the password.
const HBA = `# Written by PostFlow at every start of its embedded PostgreSQL: SCRAM password logins over loopback only.
# The password is in the data folder (postgres.password). For other rules, run your own server and set DATABASE_URL.
host    all             all             127.0.0.1/32            scram-sha-256
host    replication     all             127.0.0.1/32            scram-sha-256
`;

/**
 * The password in `file`, or a new random one written there first (mode 0600, created whole or not at all). As root
 * the data folder belongs to the `postgres` OS user, who could plant a link where the file goes: it is opened without
 * following links, and only a regular file of this process's own user is believed.
 */
export async function readOrCreatePassword(file: string): Promise<string> {
  const existing = await readOwnSecretFile(file);
  if (existing !== null) return existing;
  const password = randomBytes(24).toString('base64url');
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writePrivateFile(temporary, `${password}\n`, null);
  try {
    await link(temporary, file);
  } catch (error) {
    // Another process starting on the same folder wrote it first: theirs is the one.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(temporary, { force: true });
  }
  return (await readOwnSecretFile(file))!;
}

async function readOwnSecretFile(file: string): Promise<string | null> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`Cannot read the embedded PostgreSQL's password file ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const stat = await handle.stat();
    const uid = process.getuid?.();
    if (!stat.isFile() || stat.nlink !== 1 || (uid !== undefined && stat.uid !== uid)) {
      throw new Error(`${file} must be a regular file owned by this user: remove it, and the next start writes a new one`);
    }
    if (stat.mode & 0o077) await handle.chmod(0o600);
    const password = (await handle.readFile('utf8')).trim();
    if (!password) throw new Error(`${file} is empty: remove it, and the next start writes a new one`);
    return password;
  } finally {
    await handle.close();
  }
}

/**
 * The password for initdb, in a folder of its own that only initdb's user can read, and how to clean it up. The
 * folder is made under the system's temporary folder, not in the data folder, which the `postgres` OS user owns (as
 * root) and where it could swap the folder for a link to somewhere else before root changes its owner.
 */
export async function initdbPasswordFile(password: string, owner: Owner | null): Promise<{ file: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'postflow-initdb-'));
  const file = path.join(dir, 'password');
  await writePrivateFile(file, `${password}\n`, owner);
  if (owner) await chown(dir, owner.uid, owner.gid);
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** pg_hba.conf as PostFlow wants it, replaced whole (a link planted in its place is replaced, not followed). */
export async function writeHba(dataDir: string, owner: Owner | null): Promise<void> {
  const file = path.join(dataDir, 'pg_hba.conf');
  if ((await readFile(file, 'utf8').catch(() => null)) === HBA) return;
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writePrivateFile(temporary, HBA, owner);
  await rename(temporary, file);
}

/** A new file (never an existing one, nor through a link), mode 0600, owned by `owner`: all through one handle. */
async function writePrivateFile(file: string, content: string, owner: Owner | null): Promise<void> {
  const handle = await open(file, 'wx', 0o600);
  try {
    await handle.writeFile(content);
    await handle.chmod(0o600);
    if (owner) await handle.chown(owner.uid, owner.gid);
  } finally {
    await handle.close();
  }
}

const isPasswordRefusal = (error: unknown) => (error as { code?: string }).code === '28P01';

/**
 * Makes sure the running cluster takes `password`. A cluster made with the old constant password is changed over
 * here: the old password opens it once, ALTER ROLE sets the generated one, and the old one no longer works. The file
 * is written before this runs, so a crash in between is mended at the next start the same way.
 * Returns whether the password was changed.
 */
export async function ensurePassword(port: number, user: string, password: string, file: string): Promise<boolean> {
  const connect = async (secret: string) => {
    const client = new pg.Client({ host: '127.0.0.1', port, user, password: secret, database: 'postgres' });
    client.on('error', () => {});
    await client.connect();
    return client;
  };
  try {
    await (await connect(password)).end();
    return false;
  } catch (error) {
    if (!isPasswordRefusal(error)) throw error;
  }
  let client: pg.Client;
  try {
    client = await connect(LEGACY_PASSWORD);
  } catch (error) {
    if (!isPasswordRefusal(error)) throw error;
    throw new Error(`The embedded PostgreSQL refuses the password in ${file}. Restore that file from the backup of this data folder.`, { cause: error });
  }
  try {
    await client.query(`ALTER ROLE ${client.escapeIdentifier(user)} PASSWORD ${client.escapeLiteral(password)}`);
  } finally {
    await client.end();
  }
  return true;
}
