// `npm run schema:print`: writes schema.graphql, the GraphQL schema as clients see it, from src/schema/.
// test/schema.printed.test.ts fails when the committed file differs from what this prints.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from '../src/schema/index.js';

export const SCHEMA_FILE = fileURLToPath(new URL('../schema.graphql', import.meta.url));

const HEADER = '# The PostFlow GraphQL API. Printed from src/schema/ by `npm run schema:print`: do not edit by hand.\n\n';

/** The schema file's text: types in alphabetical order, so moving code between files does not reorder it. */
export function printedSchema(): string {
  return `${HEADER}${printSchema(lexicographicSortSchema(schema))}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_FILE, printedSchema());
  console.log(`wrote ${SCHEMA_FILE}`);
}
