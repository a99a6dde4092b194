// The console's build: admin/ (a react-admin app, its own npm workspace with its own vite) bundled into admin/dist,
// each text file precompressed beside itself (.gz, which src/server/consoleRoutes.ts serves to clients taking gzip),
// and a stamp of what it was built from: the same stamp and hash as the server's build (scripts/build.mjs), over
// another layout. `npm run build` always builds; `npm start` and the browser tests build only when stale.
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, constants } from 'node:zlib';
import { acquireLock, buildState, PROJECT_ROOT, runTool, sourceHash, swapIn } from '../build.mjs';

const COMPRESSED = /\.(js|mjs|css|html|svg|json|txt|map|webmanifest)$/;

/** What the console is built from (admin/node_modules is not: its versions are named by admin/package.json). */
export function consoleLayout(root = PROJECT_ROOT) {
  return {
    root,
    app: 'admin',
    outDir: path.join('admin', 'dist'),
    inputs: ['admin/src', 'admin/index.html', 'admin/public', 'admin/vite.config.ts', 'admin/tsconfig.json', 'admin/package.json'],
  };
}

export { buildState as consoleBuildState };

/**
 * Bundles into admin/dist.next and swaps it in whole, under a lock so that two processes (or two test files) asking
 * at once build once. Returns false when onlyIfStale and the build was already current.
 */
export async function buildConsole(layout = consoleLayout(), { log = (line) => process.stderr.write(`${line}\n`), onlyIfStale = false } = {}) {
  const release = await acquireLock(path.join(layout.root, layout.app, '.dist.lock'));
  try {
    if (onlyIfStale && buildState(layout) === 'current') return false;
    const hash = sourceHash(layout);
    const appDir = path.join(layout.root, layout.app);
    const outDir = path.join(layout.root, layout.outDir);
    const nextDir = `${outDir}.next`;
    rmSync(nextDir, { recursive: true, force: true });
    const vite = findVite(appDir);
    log(`bundling ${layout.app}/ into ${layout.outDir}/ (vite)`);
    const started = Date.now();
    // NODE_ENV=production whatever the caller's (vitest sets `test`): otherwise vite bundles React's development build,
    // and the stamp, which does not name NODE_ENV, would let `npm start` serve that build later.
    const env = { ...process.env, NODE_ENV: 'production' };
    await runTool(appDir, vite, ['build', '--outDir', path.relative(appDir, nextDir), '--emptyOutDir', '--logLevel', 'warn'], { name: 'vite', env });
    compressAll(nextDir);
    swapIn(nextDir, outDir, hash);
    log(`bundled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return true;
  } finally {
    release();
  }
}

/** vite from the console's own dependencies (vite 8 there; the root's vitest keeps vite 7 for itself). */
function findVite(appDir) {
  try {
    const manifest = createRequire(path.join(appDir, 'package.json')).resolve('vite/package.json');
    return path.join(path.dirname(manifest), JSON.parse(readFileSync(manifest, 'utf8')).bin.vite);
  } catch {
    const message = "the console's dev dependencies (vite) are not installed, so the console cannot be built: run `npm install`, then `npm run build`";
    throw Object.assign(new Error(message), { code: 'NO_BUNDLER' });
  }
}

function compressAll(dir) {
  for (const entry of readdirSync(dir)) {
    const file = path.join(dir, entry);
    if (statSync(file).isDirectory()) compressAll(file);
    else if (COMPRESSED.test(entry)) writeFileSync(`${file}.gz`, gzipSync(readFileSync(file), { level: constants.Z_BEST_COMPRESSION }));
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await buildConsole();
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(error.signal ? 1 : 2);
  }
}
