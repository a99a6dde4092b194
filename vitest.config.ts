import { defineConfig } from 'vitest/config';

const shared = { testTimeout: 30_000, hookTimeout: 90_000, pool: 'forks' as const };

// Vite would resolve src/'s `import 'graphql'` to graphql's ESM build while graphql-yoga, loaded by Node, gets the
// CommonJS one: two GraphQLError classes, and errors thrown by our scalars masked as "Unexpected error.". In
// production (tsx, Node's resolution) there is one copy; this makes the tests load that same one.
const resolve = { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] };

export default defineConfig({
  test: {
    reporters: ['default', './test/helpers/summaryReporter.ts'],
    projects: [
      {
        resolve,
        test: {
          ...shared,
          name: 'postflow',
          include: ['test/**/*.test.ts'],
          exclude: ['test/scheduling/processTimeZone.test.ts'],
          // One PostgreSQL for the whole run; every test file gets fresh databases cloned from a migrated template.
          globalSetup: ['test/helpers/globalSetup.ts'],
        },
      },
      // The scheduling core must not depend on the process's time zone: run it again under two unusual ones.
      ...['Pacific/Kiritimati', 'America/Los_Angeles'].map((tz) => ({
        test: { ...shared, name: `TZ=${tz}`, include: ['test/scheduling/**/*.test.ts'], env: { TZ: tz } },
      })),
    ],
  },
});
