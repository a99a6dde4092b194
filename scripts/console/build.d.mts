// Types of scripts/console/build.mjs, for the tests that build the console.
export interface ConsoleLayout {
  root: string;
  /** The console's package folder (admin). */
  app: string;
  outDir: string;
  inputs: string[];
}
export function consoleLayout(root?: string): ConsoleLayout;
export function consoleBuildState(layout: ConsoleLayout): 'current' | 'missing' | 'stale';
export function buildConsole(layout?: ConsoleLayout, options?: { log?: (line: string) => void; onlyIfStale?: boolean }): Promise<boolean>;
