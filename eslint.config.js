// ESLint (flat config): the recommended sets of ESLint and typescript-eslint, which is what TypeScript projects use.
// Formatting is Prettier's job (.prettierrc.json); neither recommended set has formatting rules, so nothing clashes.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['node_modules/', 'dist/', 'dist.next/', 'dist.old/', 'src/generated/', '.postflow-data/', 'admin/dist*/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_` / `_name` marks a binding kept on purpose (a count loop's item, a property left out of a rest object).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // Three type-aware rules, for the bugs a job runner and a server cannot afford: a promise nobody awaits or
    // catches, an async callback where a void one is expected (its rejection is lost), awaiting a non-promise.
    // The whole recommendedTypeChecked set took ~37 s on this 2-core machine (this: ~23 s, untyped alone: ~8 s).
    files: ['src/**/*.ts', 'plugins/**/*.ts', 'test/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    // The console (admin/): it runs in a browser, and React's rules of hooks apply.
    files: ['admin/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat.recommended,
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests read GraphQL responses and fakes' request bodies as untyped JSON on purpose.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
