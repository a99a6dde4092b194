import { defineConfig } from 'vitest/config';
import type { TestProjectInlineConfiguration } from 'vitest/config';

const shared = { testTimeout: 30_000, hookTimeout: 90_000, pool: 'forks' as const };

// Vite would resolve src/'s `import 'graphql'` to graphql's ESM build while graphql-yoga, loaded by Node, gets the
// CommonJS one: two GraphQLError classes, and errors thrown by our scalars masked as "Unexpected error.". In
// production (tsx, Node's resolution) there is one copy; this makes the tests load that same one.
const resolve = { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] };

// The test groups, run one after another in this order (sequence.groupOrder) inside one vitest run, with one
// PostgreSQL: scripts/testGroupsReporter.ts prints each group's time, CI's stage table shows them. A test file
// belongs to the first group whose pattern matches it; `other` takes whatever no group names, so none is left out.
// `serial` groups run their files one at a time in one process: they start and kill whole processes on timers, or
// share one WordPress, and a second file beside them would skew the timings they check.
const groups: { name: string; include: string[]; exclude?: string[]; serial?: boolean }[] = [
  // No database, no network: the pure scheduling core (property tests) and the checks of the code's own structure.
  // processTimeZone.test.ts only makes sense under the TZ runs below.
  { name: 'unit', include: ['test/scheduling/**/*.test.ts', 'test/templates/**/*.test.ts', 'test/architecture*.test.ts'], exclude: ['test/scheduling/processTimeZone.test.ts'] },
  // Each provider against its network's fake.
  { name: 'integrations', include: ['test/integrations/**/*.test.ts', 'test/plugins/**/*.test.ts'] },
  // The GraphQL API, in process.
  { name: 'api', include: ['test/api.*.test.ts', 'test/schema.*.test.ts'] },
  // The worker: publishing, retries, recovery, renewals, housekeeping.
  {
    name: 'publishing',
    include: [
      'test/publish.*.test.ts',
      'test/jobs.*.test.ts',
      'test/shopify.import.test.ts',
      'test/shopify.appHome.test.ts',
      'test/shopify.install.test.ts',
      'test/shopify.e2e.test.ts',
      'test/shopify.inventory.test.ts',
      'test/shopify.billing.test.ts',
    ],
  },
  // The WordPress plugin (PHP): php -l, phpcs, PHPUnit, and a real WordPress with a private MariaDB; each file's
  // helper runs scripts/wordpress/install.sh first (apt, only what is missing).
  { name: 'wordpress', include: ['test/wordpress.*.test.ts'], serial: true },
  // The operator console (admin/) in a real headless Chromium (test/helpers/browser.ts: one server and one browser
  // per file, the console bundled once per run), and its files as HTTP serves them.
  { name: 'console', include: ['test/console.*.test.ts'], serial: true },
  // Whole processes: start-up and shutdown, the production runtime, the database's supervision, kills mid-burst.
  { name: 'processes', include: ['test/startup.test.ts', 'test/runtime*.test.ts', 'test/db.*.test.ts', 'test/chaos*.test.ts'], serial: true },
];
const named = groups.flatMap((group) => group.include);

// The other groups' processes keep what they loaded from one file to the next: loading src/ and its packages afresh
// for every file cost about a third of the api group's time (265 s against 153 s). The serial groups stay isolated:
// what a file there leaves running (timers, child processes) would weigh on the timings of the next.
const sharedProcesses = { isolate: false, poolOptions: { forks: { isolate: false } } };

// groupOrder is sorted as text by vitest 3.2 (10 before 2): keep it to one digit.
const projects: TestProjectInlineConfiguration[] = [
  ...groups.map((group, i) => ({
    resolve,
    test: {
      ...shared,
      name: group.name,
      include: group.include,
      exclude: group.exclude ?? [],
      sequence: { groupOrder: i + 1 },
      setupFiles: ['test/helpers/sharedProcessSetup.ts'],
      ...(group.serial ? { isolate: true, poolOptions: { forks: { singleFork: true, isolate: true } } } : sharedProcesses),
    },
  })),
  {
    resolve,
    test: {
      ...shared,
      name: 'other',
      include: ['test/**/*.test.ts'],
      exclude: named,
      sequence: { groupOrder: groups.length + 1 },
      setupFiles: ['test/helpers/sharedProcessSetup.ts'],
      ...sharedProcesses,
    },
  },
  // The scheduling core must not depend on the process's time zone: run it again under two unusual ones.
  ...['Pacific/Kiritimati', 'America/Los_Angeles'].map((tz) => ({
    test: { ...shared, name: `unit TZ=${tz}`, include: ['test/scheduling/**/*.test.ts'], env: { TZ: tz }, sequence: { groupOrder: 1 } },
  })),
];

export default defineConfig({
  test: {
    reporters: ['default', './scripts/testGroupsReporter.ts', './test/helpers/summaryReporter.ts'],
    // One PostgreSQL for the whole run, started once by the root project whatever groups run; every test file gets
    // fresh databases cloned from a migrated template (its URL reaches every project through provide/inject).
    globalSetup: ['test/helpers/globalSetup.ts'],
    // Two files at a time (vitest would take one on these 2 cores): most tests wait on PostgreSQL, not on the CPU.
    // Measured on the api group: 195 s against 328 s with one.
    maxWorkers: 2,
    minWorkers: 1,
    ...sharedProcesses,
    projects,
  },
});
