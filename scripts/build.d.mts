// Types of scripts/build.mjs, for the tests that drive it.
export interface BuildLayout {
  root: string;
  project: string;
  outDir: string;
  /** The server's module inside outDir (projectLayout's: src/main.js). */
  main?: string;
  inputs: string[];
}
export const PROJECT_ROOT: string;
export function projectLayout(root?: string): BuildLayout;
export function sourceHash(layout: BuildLayout): string;
export function buildState(layout: BuildLayout): 'current' | 'missing' | 'stale';
export function build(layout: BuildLayout, options?: { log?: (line: string) => void; onlyIfStale?: boolean }): Promise<boolean>;
export function acquireLock(file: string): Promise<() => void>;
export function swapIn(nextDir: string, outDir: string, hash: string): void;
export function runTool(cwd: string, script: string, args: string[], options: { name: string; env?: NodeJS.ProcessEnv }): Promise<void>;
