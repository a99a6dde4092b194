// `npm start`: the compiled server on plain node, compiled first when dist/ is missing or was built from other
// sources, so `npm install && npm start` works on a fresh clone. The check runs here, in the node process that
// npm's shell execs, and the server then runs in this same process: no wrapper stays between npm (or a container
// runtime) and the server to swallow SIGTERM.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, buildState, projectLayout } from './build.mjs';
import { buildConsole, consoleBuildState, consoleLayout } from './console/build.mjs';

const layout = projectLayout();
const state = buildState(layout);
if (state !== 'current') {
  try {
    await build(layout, { onlyIfStale: true });
  } catch (error) {
    if (error.signal) process.exit(1);
    if (state === 'stale' && error.code === 'NO_COMPILER') {
      // A production install (--omit=dev) whose sources differ from the shipped build: run what was shipped.
      process.stderr.write(`warning: dist/ was built from other sources than src/ holds, and ${error.message}; starting the existing build\n`);
    } else {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
  }
}
// The console (admin/dist) likewise, from admin/'s sources, by a process that serves it: POSTFLOW_ROLE=worker serves
// no API and no console (src/config.ts validates the setting; this script runs before it can be imported, so it reads
// the one variable itself, here only). A console that cannot be built does not stop the API: /admin/ then serves the
// build it has, or a page naming the command that builds it.
const servesConsole = (process.env.POSTFLOW_ROLE ?? 'all') !== 'worker';
if (servesConsole && consoleBuildState(consoleLayout()) !== 'current') {
  try {
    await buildConsole(consoleLayout(), { onlyIfStale: true });
  } catch (error) {
    if (error.signal) process.exit(1);
    process.stderr.write(`warning: the console was not built: ${error.message}\n`);
  }
}
process.setSourceMapsEnabled(true);
// What libraries read as "this is production" before they load: graphql-js, for one, otherwise checks every value
// it resolves against other copies of itself (3.5% of a calendar page's CPU). Set explicitly, it is left as it is.
process.env.NODE_ENV ??= 'production';
await import(pathToFileURL(path.join(layout.root, layout.outDir, layout.main)).href);
