// The production build: TypeScript in src/ compiled to JavaScript in dist/ (tsconfig.build.json), plus a stamp of
// what it was compiled from, so `npm start` can tell a current build from a stale one without a compiler run.
// `node scripts/build.mjs` (npm run build) always compiles; scripts/start.mjs compiles only when the stamp differs.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = '.build-stamp';

/**
 * What a build is made from and where it goes. The defaults are PostFlow's; tests point it at a small project.
 * `inputs` are files or folders (read recursively) whose content decides whether a build is current; `main` is the
 * server's module inside outDir (dist/ mirrors the project's root: src/main.ts is dist/src/main.js).
 */
export function projectLayout(root = PROJECT_ROOT) {
  return { root, project: 'tsconfig.build.json', outDir: 'dist', main: 'src/main.js', inputs: ['src', 'plugins', 'tsconfig.json', 'tsconfig.build.json'] };
}

/** A hash of every input's relative path and content: renamed, deleted and edited files all change it. */
export function sourceHash(layout) {
  const hash = createHash('sha256');
  const visit = (relative) => {
    const full = path.join(layout.root, relative);
    if (!existsSync(full)) return;
    if (statSync(full).isDirectory()) {
      for (const entry of readdirSync(full).sort()) visit(path.join(relative, entry));
      return;
    }
    hash.update(`${relative.split(path.sep).join('/')}\0`);
    hash.update(readFileSync(full));
    hash.update('\0');
  };
  for (const input of layout.inputs) visit(input);
  return hash.digest('hex');
}

/** 'current', 'missing' (no build) or 'stale' (built from other sources). */
export function buildState(layout) {
  const stamp = path.join(layout.root, layout.outDir, STAMP);
  if (!existsSync(stamp)) return 'missing';
  return readFileSync(stamp, 'utf8').trim() === sourceHash(layout) ? 'current' : 'stale';
}

/**
 * Compiles into a fresh folder beside outDir and swaps it in, so a build never mixes with an older one (files of
 * deleted sources disappear) and a failed build leaves the previous one untouched. A lock file keeps two processes
 * started at once on a fresh clone (an API and a worker) from compiling over each other.
 */
export async function build(layout, { log = (line) => process.stderr.write(`${line}\n`), onlyIfStale = false } = {}) {
  const release = await acquireLock(path.join(layout.root, `.${layout.outDir}.lock`));
  try {
    if (onlyIfStale && buildState(layout) === 'current') return false; // another process built it while we waited
    const hash = sourceHash(layout);
    const next = `${layout.outDir}.next`;
    const nextDir = path.join(layout.root, next);
    rmSync(nextDir, { recursive: true, force: true });
    const tsc = findCompiler(layout.root);
    log(`compiling ${layout.inputs.filter((input) => !input.endsWith('.json')).join('/, ')}/ to ${layout.outDir}/ (${layout.project})`);
    const started = Date.now();
    await runTool(layout.root, tsc, ['-p', layout.project, '--outDir', next], { name: 'tsc' });
    swapIn(nextDir, path.join(layout.root, layout.outDir), hash);
    log(`compiled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return true;
  } finally {
    release();
  }
}

/**
 * The compiler, when the packages the build needs are installed: TypeScript and every @types package among the dev
 * dependencies. An install without dev dependencies (npm ci --omit=dev) may still hold typescript and some @types,
 * pulled in by other packages: name the cause rather than print a page of type errors.
 */
function findCompiler(root) {
  const resolve = createRequire(path.join(root, 'package.json')).resolve;
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const needed = Object.keys(manifest.devDependencies ?? {}).filter((name) => name === 'typescript' || name.startsWith('@types/'));
  try {
    for (const name of needed) resolve(`${name}/package.json`);
    return resolve('typescript/bin/tsc');
  } catch {
    const message =
      'the dev dependencies (TypeScript and its type packages) are not installed, so the build cannot be made: run `npm install`, then `npm run build`, or ship the dist/ a build made';
    throw Object.assign(new Error(message), { code: 'NO_COMPILER' });
  }
}

/** Stamps a finished build and puts it in outDir's place, the previous build removed only once it is out of the way. */
export function swapIn(nextDir, outDir, hash) {
  writeFileSync(path.join(nextDir, STAMP), `${hash}\n`);
  const old = `${outDir}.old`;
  rmSync(old, { recursive: true, force: true });
  if (existsSync(outDir)) renameSync(outDir, old);
  renameSync(nextDir, outDir);
  rmSync(old, { recursive: true, force: true });
}

/**
 * Runs a build tool (tsc, vite) on this node. Its output is kept for the error rather than passed through: tsc reports
 * problems only once it is done. A signal during the build (Ctrl-C, docker stop) must not leave the tool running on
 * its own; as PID 1 in a container, a signal without a handler would not even stop this process.
 */
export function runTool(cwd, script, args, { name, env = process.env }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const forward = (signal) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      if (signal) reject(Object.assign(new Error(`the build was stopped by ${signal}`), { signal }));
      else if (code !== 0) reject(new Error(`the build failed (${name} exited with ${code}):\n${output.trimEnd()}`));
      else resolve();
    });
  });
}

/** A lock file holding the holder's pid; one left by a dead process is taken over. Also the console's build's. */
export async function acquireLock(file) {
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    let holder;
    try {
      holder = Number(readFileSync(file, 'utf8').trim() || NaN);
    } catch {
      continue; // released in the meantime
    }
    // A lock left by a process that died (or one half-written this instant: retried below) is taken over.
    if (Number.isInteger(holder) && !isAlive(holder)) {
      try {
        unlinkSync(file);
      } catch {
        // someone else took it over first
      }
      continue;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await build(projectLayout());
    // and the console (admin/ into admin/dist): `npm run build` makes everything `npm start` serves.
    const { buildConsole } = await import('./console/build.mjs');
    await buildConsole();
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(error.signal ? 1 : 2);
  }
}
