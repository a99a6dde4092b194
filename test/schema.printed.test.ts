// schema.graphql is the API's contract as clients see it; it is committed so every change to it shows in review.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printedSchema, SCHEMA_FILE } from '../scripts/schema-print.js';

describe('schema.graphql', () => {
  it('is what src/schema/ prints (run `npm run schema:print` after changing the schema, and commit it)', () => {
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    const printed = printedSchema();
    if (committed !== printed) {
      // One readable diff instead of 700 lines of strings: the first differing line and its neighbours.
      const a = committed.split('\n');
      const b = printed.split('\n');
      const line = a.findIndex((text, i) => text !== b[i]);
      const at = line === -1 ? Math.min(a.length, b.length) : line;
      expect.fail(
        `schema.graphql is stale: run \`npm run schema:print\` and commit schema.graphql.\n` +
          `First difference at line ${at + 1}:\n  committed: ${JSON.stringify(a[at] ?? '<end of file>')}\n  printed:   ${JSON.stringify(b[at] ?? '<end of file>')}`,
      );
    }
  });
});
