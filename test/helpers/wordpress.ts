// A real WordPress (Debian's package) for the plugin's tests, built entirely in a temp folder: a private MariaDB on a
// socket, a copy of /usr/share/wordpress with its own wp-config.php, `php -S` in front. The installed site (database
// and files) is built once into a cache folder keyed by what it is made of, and each site starts from a copy of it:
// copying takes well under a second where mariadb-install-db + wp_install take several.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT, processGroup, until } from './childProcess.js';
import { freePort } from './ports.js';

const WORDPRESS_SOURCE = '/usr/share/wordpress';
const SCRIPTS = path.join(PROJECT_ROOT, 'scripts/wordpress');
const DB_USER = 'wordpress';
const DB_PASSWORD = 'wordpress-test-only';

export interface PhpResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface WordPressSite {
  url: string;
  adminUser: string;
  adminPassword: string;
  /** An application password of the admin (REST API over Basic auth). */
  appPassword: string;
  /** The site's WordPress folder (ABSPATH). */
  root: string;
  /** Runs php-cli in the site's folder, e.g. php(['wp-cron.php']). */
  php(args: string[]): Promise<PhpResult>;
  /** Runs PHP code with WordPress loaded; what it echoes is returned (it fails the test when PHP fails). */
  evalPhp(code: string): Promise<string>;
  /** The REST API as the admin: rest('/wp/v2/posts', { method: 'POST', body: ... }); the path may carry a query. */
  rest(route: string, init?: RequestInit): Promise<Response>;
  /** What PHP logged (WP_DEBUG_LOG): notices, warnings, errors. */
  debugLog(): string;
  /** Logs in through wp-login.php and answers the Cookie header of that session. */
  login(user: string, password: string): Promise<string>;
  stop(): Promise<void>;
}

export interface WordPressOptions {
  /** A plugin folder to copy into wp-content/plugins and activate. */
  pluginDir?: string;
  /** Files copied into wp-content/mu-plugins (loaded on every request, no activation). */
  muPlugins?: string[];
  /** Set as the plugin's postflow_url option. */
  postflowUrl?: string;
  /** Other options to set once the plugin is active. */
  options?: Record<string, unknown>;
}

let installed = false;
/** Installs PHP, MariaDB and WordPress from apt when missing (scripts/wordpress/install.sh; quiet when all is there). */
export function installWordPressTools(): void {
  if (installed) return;
  execFileSync(path.join(SCRIPTS, 'install.sh'), { stdio: ['ignore', 'inherit', 'inherit'] });
  installed = true;
}

export async function startWordPress(options: WordPressOptions = {}): Promise<WordPressSite> {
  installWordPressTools();
  const cache = await cachedSite();
  const dir = mkdtempSync(path.join(tmpdir(), 'postflow-wp-'));
  const processes: ChildProcess[] = [];
  try {
    execFileSync('cp', ['-a', path.join(cache, 'db'), path.join(cache, 'wp'), dir]);
    const root = path.join(dir, 'wp');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    writeWpConfig(root, dir, url);
    processes.push(await startMariaDb(dir));
    if (options.pluginDir) cpSync(options.pluginDir, path.join(root, 'wp-content/plugins', path.basename(options.pluginDir)), { recursive: true });
    for (const file of options.muPlugins ?? []) {
      mkdirSync(path.join(root, 'wp-content/mu-plugins'), { recursive: true });
      cpSync(file, path.join(root, 'wp-content/mu-plugins', path.basename(file)));
    }
    const plugins = options.pluginDir ? [`${path.basename(options.pluginDir)}/${path.basename(options.pluginDir)}.php`] : [];
    const settings = { ...(options.postflowUrl ? { postflow_url: options.postflowUrl } : {}), ...options.options };
    if (plugins.length || Object.keys(settings).length) await runPhp(root, [path.join(SCRIPTS, 'site.php'), 'activate', JSON.stringify({ plugins, options: settings })], true);
    // Its own process group: PHP_CLI_SERVER_WORKERS forks workers that outlive a signal to the parent alone.
    const server = spawnLogged('php', ['-S', `127.0.0.1:${port}`, '-t', root], { cwd: root, env: { ...process.env, PHP_CLI_SERVER_WORKERS: '4' }, detached: true });
    processes.push(server);
    await until(
      () =>
        fetch(`${url}/wp-login.php`).then(
          (r) => r.status === 200,
          () => false,
        ),
      20_000,
      `php -S answers on ${url}`,
    );
    const credentials = JSON.parse(readFileSync(path.join(cache, 'site.json'), 'utf8')) as { adminUser: string; adminPassword: string; appPassword: string };
    const authorization = `Basic ${Buffer.from(`${credentials.adminUser}:${credentials.appPassword}`).toString('base64')}`;
    let evals = 0;
    return {
      url,
      root,
      ...credentials,
      php: (args) => runPhp(root, args, false),
      async evalPhp(code) {
        const file = path.join(dir, `eval-${++evals}.php`);
        writeFileSync(file, `<?php\n$_SERVER['HTTP_HOST'] = '127.0.0.1:${port}';\nrequire ${JSON.stringify(path.join(root, 'wp-load.php'))};\n${code}\n`);
        return (await runPhp(root, [file], true)).stdout;
      },
      rest(route, init = {}) {
        const [pathPart, query] = route.split('?');
        const headers = new Headers(init.headers);
        if (!headers.has('authorization')) headers.set('authorization', authorization);
        if (init.body && !headers.has('content-type')) headers.set('content-type', 'application/json');
        return fetch(`${url}/?rest_route=${encodeURIComponent(pathPart)}${query ? `&${query}` : ''}`, { ...init, headers });
      },
      debugLog: () => (existsSync(path.join(dir, 'debug.log')) ? readFileSync(path.join(dir, 'debug.log'), 'utf8') : ''),
      async login(user, password) {
        const response = await fetch(`${url}/wp-login.php`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'wordpress_test_cookie=WP%20Cookie%20check' },
          body: new URLSearchParams({ log: user, pwd: password, testcookie: '1', redirect_to: `${url}/wp-admin/` }),
          redirect: 'manual',
        });
        const cookies = response.headers
          .getSetCookie()
          .map((c) => c.split(';')[0])
          .filter((c) => /^wordpress_(logged_in|sec)?_?[0-9a-f]*=/.test(c) && !c.endsWith('='));
        if (response.status !== 302 || !cookies.some((c) => c.startsWith('wordpress_logged_in_'))) throw new Error(`login as ${user} failed (${response.status})`);
        return cookies.join('; ');
      },
      async stop() {
        await stopAll(processes);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopAll(processes);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The installed site, built once per machine and version; concurrent builders race to one rename. */
async function cachedSite(): Promise<string> {
  const key = createHash('sha256')
    .update(readFileSync(path.join(WORDPRESS_SOURCE, 'wp-includes/version.php')))
    .update(readFileSync(path.join(SCRIPTS, 'site.php')))
    .update(readFileSync(new URL(import.meta.url)))
    .update(execFileSync('mariadbd', ['--version']))
    .digest('hex')
    .slice(0, 16);
  const cache = path.join(tmpdir(), `postflow-wp-cache-${key}`);
  if (existsSync(path.join(cache, 'site.json'))) return cache;
  const build = mkdtempSync(`${cache}.build-`);
  try {
    execFileSync(
      'mariadb-install-db',
      ['--no-defaults', `--datadir=${path.join(build, 'db')}`, '--auth-root-authentication-method=socket', '--skip-test-db', '--user=root', ...INNODB_SMALL],
      { stdio: 'ignore' },
    );
    const mariadb = await startMariaDb(build);
    try {
      execFileSync('mariadb', [
        '--no-defaults',
        `--socket=${path.join(build, 'mysql.sock')}`,
        '-uroot',
        '-e',
        `CREATE DATABASE wordpress; CREATE USER '${DB_USER}'@'localhost' IDENTIFIED BY '${DB_PASSWORD}'; GRANT ALL ON wordpress.* TO '${DB_USER}'@'localhost';`,
      ]);
      execFileSync('cp', ['-a', WORDPRESS_SOURCE, path.join(build, 'wp')]);
      // Debian's wp-config.php only reads /etc/wordpress/config-HOST.php: each site writes its own.
      rmSync(path.join(build, 'wp/.htaccess'), { force: true });
      writeWpConfig(path.join(build, 'wp'), build, 'http://127.0.0.1');
      const { stdout } = await runPhp(path.join(build, 'wp'), [path.join(SCRIPTS, 'site.php'), 'install'], true);
      writeFileSync(path.join(build, 'site.json'), stdout.trim().split('\n').pop()!);
    } finally {
      await stopAll([mariadb]);
    }
    rmSync(path.join(build, 'wp/wp-config.php'));
    try {
      renameSync(build, cache);
    } catch {
      if (!existsSync(path.join(cache, 'site.json'))) throw new Error(`could not place the WordPress cache at ${cache}`);
      rmSync(build, { recursive: true, force: true }); // another test file built it first
    }
    return cache;
  } catch (error) {
    rmSync(build, { recursive: true, force: true });
    throw error;
  }
}

// A 4 MiB redo log instead of 96 MiB: the copy per site is what startup time is made of.
const INNODB_SMALL = ['--innodb-log-file-size=4M', '--innodb-buffer-pool-size=32M'];

async function startMariaDb(dir: string): Promise<ChildProcess> {
  const socket = path.join(dir, 'mysql.sock');
  const child = spawnLogged(
    'mariadbd',
    [
      '--no-defaults',
      `--datadir=${path.join(dir, 'db')}`,
      '--skip-networking',
      `--socket=${socket}`,
      '--user=root',
      '--skip-log-bin',
      `--pid-file=${path.join(dir, 'mariadbd.pid')}`,
      ...INNODB_SMALL,
    ],
    {},
  );
  await until(
    () => {
      if (child.exitCode !== null) throw new Error(`mariadbd exited (${child.exitCode}):\n${outputOf(child)}`);
      return /ready for connections/.test(outputOf(child));
    },
    30_000,
    'mariadbd is ready for connections',
  );
  return child;
}

function writeWpConfig(root: string, dir: string, url: string): void {
  const salts = ['AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT']
    .map((name) => `define('${name}', '${createHash('sha256').update(`${dir}:${name}`).digest('hex')}');`)
    .join('\n');
  writeFileSync(
    path.join(root, 'wp-config.php'),
    `<?php
define('DB_NAME', 'wordpress');
define('DB_USER', '${DB_USER}');
define('DB_PASSWORD', '${DB_PASSWORD}');
define('DB_HOST', 'localhost:${path.join(dir, 'mysql.sock')}');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
${salts}
$table_prefix = 'wp_';
define('WP_HOME', '${url}');
define('WP_SITEURL', '${url}');
define('WP_ENVIRONMENT_TYPE', 'local');
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_DEBUG', true);
define('WP_DEBUG_DISPLAY', false);
define('WP_DEBUG_LOG', '${path.join(dir, 'debug.log')}');
if (!defined('ABSPATH')) define('ABSPATH', __DIR__ . '/');
require_once ABSPATH . 'wp-settings.php';
`,
  );
}

const outputs = new WeakMap<ChildProcess, { text: string; detached: boolean }>();
function spawnLogged(command: string, args: string[], { cwd, env, detached = false }: { cwd?: string; env?: NodeJS.ProcessEnv; detached?: boolean }): ChildProcess {
  const child = spawn(command, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached });
  const output = { text: '', detached };
  outputs.set(child, output);
  // php -S logs every request: keep only the tail, for error messages.
  const keep = (chunk: Buffer) => (output.text = (output.text + chunk.toString()).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return child;
}
const outputOf = (child: ChildProcess) => outputs.get(child)?.text ?? '';

function runPhp(cwd: string, args: string[], mustSucceed: boolean): Promise<PhpResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('php', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (mustSucceed && code !== 0) reject(new Error(`php ${args.join(' ')} exited ${code}:\n${stdout}\n${stderr}`));
      else resolve({ code, stdout, stderr });
    });
  });
}

/** Stops the processes (a detached one with its whole group) and waits until none of them is left. */
async function stopAll(processes: ChildProcess[]): Promise<void> {
  await Promise.all(
    processes.reverse().map(async (child) => {
      const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
      const group = outputs.get(child)?.detached ? child.pid : undefined;
      try {
        if (group) process.kill(-group, 'SIGTERM');
        else child.kill('SIGTERM');
      } catch {
        // already gone
      }
      await exited;
      if (group) await until(() => processGroup(group).length === 0, 10_000, `the php -S workers of group ${group} exited`);
    }),
  );
}
