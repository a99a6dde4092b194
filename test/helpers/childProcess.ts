// Runs PostFlow as a separate OS process, to signal it and look at its process tree like an operator would.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface PostFlowProcess {
  child: ChildProcess;
  output(): string;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The sources through tsx, as in development (`npm run dev`). */
export function spawnPostFlow(env: Record<string, string>): PostFlowProcess {
  return spawnCommand(process.execPath, ['--import', 'tsx', 'src/main.ts'], env);
}

/**
 * Any command in the project folder with only the given environment (plus PATH and HOME). `detached` makes it the
 * leader of a new process group, whose members (node, postgres) can then be listed by the group id, its pid.
 */
export function spawnCommand(command: string, args: string[], env: Record<string, string>, { detached = false } = {}): PostFlowProcess {
  const child = spawn(command, args, {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', npm_config_update_notifier: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    output: () => output,
    async waitForOutput(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`PostFlow exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${output}`);
        if (Date.now() > deadline) throw new Error(`PostFlow did not print ${pattern} within ${timeoutMs} ms:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    exited,
  };
}

/** Waits until `${baseUrl}/readyz` answers 200, and returns its report. */
export async function waitForReady(baseUrl: string, proc: PostFlowProcess, timeoutMs = 60_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw new Error(`PostFlow exited before it was ready:\n${proc.output()}`);
    try {
      const response = await fetch(`${baseUrl}/readyz`);
      if (response.status === 200) return response.json();
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`PostFlow was not ready within ${timeoutMs} ms:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Pids of the running processes in a process group (none once every one of them has exited). A zombie is not
 * counted: it has exited and holds nothing, and only waits for init to collect it, which takes init its time.
 */
export function processGroup(pgid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,stat=', '-g', String(pgid)])
      .toString()
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter(([pid, stat]) => Number(pid) > 0 && !stat?.startsWith('Z'))
      .map(([pid]) => Number(pid));
  } catch {
    return []; // ps exits 1 when the group is empty
  }
}

/** A process exists and is not a zombie waiting for its parent to collect it. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

/** The pids of a process's children (Linux). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Polls until check() holds. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
