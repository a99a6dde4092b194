// The project's root folder, the nearest one above a module that holds package.json. The sources run from src/
// (tsx, tests) and the build from dist/src/ (scripts/build.mjs compiles src/ and plugins/ from the root): files read
// at run time (the migrations, the common-password list) are found from here in both, at whatever depth.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function projectRoot(moduleUrl: string): string {
  let dir = path.dirname(fileURLToPath(moduleUrl));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(moduleUrl)}`);
    dir = parent;
  }
  return dir;
}
