// dependency-cruiser (17.x: 18 needs Node 22): `npm run depcheck`. No cycles, and the layers of src/ only point down:
//
//   src/main.ts, src/app.ts             composition root: may import anything
//   src/server/, src/schema/            the API
//   src/jobs/, src/services/            background tasks, use cases (jobs may import services, not the other way)
//   src/store/                          the only layer that writes rows
//   src/scheduling/                     pure core: src/domain/ and its own files only, no I/O
//   src/templates/                      pure: post templates (liquidjs) and fitting a text to a network, no I/O
//   src/integrations/, src/events/      network connectors; LISTEN/NOTIFY fan-out (placed beside integrations)
//   src/domain/, src/security/, src/logger.ts, src/config.ts, src/projectRoot.ts, src/db/, src/generated/
//
//   plugins/shopify/                    the Shopify app: its own files, and from src/ only the base it builds on
//                                       (domain, security, sources/types.ts, templates, the guarded transport);
//                                       only the composition root (src/app.ts) imports a plugin
//   plugins/wordpress/src/              PostFlow's side of the WordPress plugin: the domain, security, source types
//
// Type-only imports count (tsPreCompilationDeps): a type is a dependency on the layer that owns it.
// Each forbidden pair is named by one rule only (the scheduling core and the domain have their own, stricter ones).

const ROOT = '^src/(main|app)\\.ts$';
const API = '^src/(server|schema)/';
const USE_CASES = '^src/(jobs|services)/';
const STORE = '^src/store/';
const CORE = '^src/(scheduling|templates|integrations|events)/';
const BASE = '^src/(domain/|security/|db/|generated/|logger\\.ts$|config(Services)?\\.ts$|projectRoot\\.ts$)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle of imports: modules that can only be understood, loaded and tested together.',
      from: { pathNot: '^src/generated/' },
      to: { circular: true },
    },
    {
      name: 'not-to-composition-root',
      severity: 'error',
      comment: 'main.ts and app.ts wire everything; nothing imports them (main.ts starts app.ts).',
      from: { pathNot: '^src/main\\.ts$' },
      to: { path: ROOT },
    },
    {
      name: 'api-only-from-root',
      severity: 'error',
      comment: 'Nothing below the API imports src/schema/ or src/server/ (a service takes plain arguments, not the GraphQL context).',
      from: { path: [USE_CASES, STORE] },
      to: { path: API },
    },
    {
      name: 'services-not-to-jobs',
      severity: 'error',
      comment: 'Jobs may call services; services do not import jobs (what both need goes to src/store/ or below).',
      from: { path: '^src/services/' },
      to: { path: '^src/jobs/' },
    },
    {
      name: 'store-not-up',
      severity: 'error',
      comment: 'The store is used by jobs and services; it does not call them.',
      from: { path: STORE },
      to: { path: USE_CASES },
    },
    {
      name: 'scheduling-is-pure',
      severity: 'error',
      comment: 'The scheduling core imports only src/domain/ and its own files: instants in, instants out.',
      from: { path: '^src/scheduling/' },
      to: { path: '^src/', pathNot: '^src/(scheduling|domain)/' },
    },
    {
      name: 'scheduling-no-io',
      severity: 'error',
      comment: 'No I/O in the scheduling core: no node I/O modules, and from npm only pure libraries (add one here on purpose).',
      from: { path: '^src/scheduling/' },
      to: {
        dependencyTypes: ['core', 'npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'],
        pathNot: ['(^|/)node_modules/(luxon|zod|@types/luxon)/', '^(crypto|util|assert)$'],
      },
    },
    {
      name: 'templates-are-pure',
      severity: 'error',
      comment: 'Post templates import src/domain/, the pure text counting of the connectors, and liquidjs: no I/O.',
      from: { path: '^src/templates/' },
      to: {
        pathNot: ['^src/(templates|domain)/', '^src/integrations/textLength\\.ts$', '(^|/)node_modules/liquidjs/'],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'integrations-not-up',
      severity: 'error',
      comment: 'Network connectors know networks, not the application: no store, services, jobs, schema or server.',
      from: { path: '^src/(integrations|events)/' },
      to: { path: [STORE, USE_CASES, API] },
    },
    {
      name: 'domain-is-leaf',
      severity: 'error',
      comment: 'src/domain/ imports nothing from src/ but its own files and types generated from the data model.',
      from: { path: '^src/domain/' },
      to: { path: '^src/', pathNot: '^src/(domain|generated)/' },
    },
    {
      name: 'domain-generated-types-only',
      severity: 'error',
      comment: 'src/domain/ uses the generated Prisma code for its types only (import type), never the client.',
      from: { path: '^src/domain/' },
      to: { path: '^src/generated/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'base-not-up',
      severity: 'error',
      comment: 'The base (domain, security, db, generated, logger, config) is below everything: it imports nothing above it.',
      from: { path: BASE, pathNot: '^src/domain/' },
      to: { path: [API, USE_CASES, STORE, CORE] },
    },
    {
      name: 'shopify-plugin-on-the-base',
      severity: 'error',
      comment: 'The Shopify app builds on the domain, security, source types, templates and the guarded transport: no store, services, jobs, schema or server.',
      from: { path: '^plugins/shopify/' },
      to: {
        path: '^src/',
        pathNot: ['^src/(domain|security|templates)/', '^src/sources/types\\.ts$', '^src/integrations/(transport|http)\\.ts$'],
      },
    },
    {
      name: 'wordpress-plugin-on-the-base',
      severity: 'error',
      comment: 'The WordPress side builds on the domain, security and source types: no store, services, jobs, schema or server.',
      from: { path: '^plugins/wordpress/' },
      to: { path: '^src/', pathNot: ['^src/(domain|security)/', '^src/sources/types\\.ts$'] },
    },
    {
      name: 'plugins-only-from-root',
      severity: 'error',
      comment: 'A plugin is wired in by the composition root (src/app.ts) alone.',
      from: { path: '^src/', pathNot: '^src/app\\.ts$' },
      to: { path: '^plugins/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve to a file or a package.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-non-package-json',
      severity: 'error',
      comment: 'A package imported but not declared in package.json (it only works because something else pulls it in).',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'not-to-dev-dep',
      severity: 'error',
      comment: 'src/ and plugins/ run in production, where devDependencies may be missing (types from them are fine).',
      from: { path: '^(src|plugins)/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'], pathNot: '(^|/)node_modules/@types/' },
    },
    {
      name: 'no-deprecated-core',
      severity: 'error',
      comment: 'A deprecated Node.js core module.',
      from: {},
      to: { dependencyTypes: ['core'], path: '^(punycode|domain|constants|sys|_linklist|_stream_wrap)$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
