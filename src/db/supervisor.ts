// Keeps a child process (the embedded postmaster) running: when it exits without having been asked to, it is started
// again after a capped, doubling delay, for as long as it takes; each failure is logged with the process's last words.
import type { ChildProcess } from 'node:child_process';
import type { Logger } from '../logger.js';

export type SupervisedState = 'up' | 'restarting' | 'stopped';

export interface SupervisedProcess {
  /** Spawns the process; resolves once it serves, rejects if it exits first. */
  start(): Promise<void>;
  /** The process the last start() spawned. */
  child(): ChildProcess | undefined;
  /** Stops it for good; called once, whether or not the process is still alive. */
  stop(): Promise<void>;
  /** Its last lines of output, to tell why it exited. */
  recentOutput(): string[];
}

export interface Supervisor {
  state(): SupervisedState;
  /** Stops the process, cancelling or finishing a restart under way, and never restarts it again. */
  stop(): Promise<void>;
}

export interface RestartDelays {
  firstMs: number;
  maxMs: number;
}

export function backoffDelay(attempt: number, { firstMs, maxMs }: RestartDelays): number {
  return Math.min(maxMs, firstMs * 2 ** (attempt - 1));
}

export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** Supervises a process that is running now (its first start is the caller's, so start-up errors stay the caller's). */
export function supervise(name: string, target: SupervisedProcess, logger: Pick<Logger, 'info' | 'warn'>, delays: RestartDelays = { firstMs: 200, maxMs: 5_000 }): Supervisor {
  let state: SupervisedState = 'up';
  let stopping: Promise<void> | null = null;
  let restarting: Promise<void> | null = null;
  let cancelWait: (() => void) | null = null;

  const watch = (child: ChildProcess) => {
    const onExit = () => {
      if (stopping || child !== target.child()) return;
      state = 'restarting';
      // A server that dies again right after a restart starts a new loop from inside the old one: keep the newer.
      const loop: Promise<void> = restartLoop(describeExit(child)).finally(() => {
        if (restarting === loop) restarting = null;
      });
      restarting = loop;
    };
    if (!isAlive(child)) onExit();
    else child.once('exit', onExit);
  };

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      cancelWait = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => (cancelWait = null));

  async function restartLoop(why: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const delay = backoffDelay(attempt, delays);
      const lastOutput = target.recentOutput();
      if (attempt === 1) logger.warn(`${name} exited unexpectedly (${why}); restarting it in ${seconds(delay)}`, { lastOutput });
      else logger.warn(`${name} did not start again (attempt ${attempt - 1}: ${why}); retrying in ${seconds(delay)}`, { lastOutput });
      await wait(delay);
      if (stopping) return;
      try {
        await target.start();
      } catch (error) {
        if (stopping) return;
        why = error instanceof Error ? error.message : String(error);
        continue;
      }
      if (stopping) return;
      state = 'up';
      logger.info(`${name} restarted`, attempt > 1 ? { attempts: attempt } : undefined);
      watch(target.child()!);
      return;
    }
  }

  const initial = target.child();
  if (!initial) throw new Error(`${name} is not running: nothing to supervise`);
  watch(initial);

  return {
    state: () => state,
    stop: () =>
      (stopping ??= (async () => {
        state = 'stopped';
        cancelWait?.();
        if (restarting) {
          // A restart spawned a new process that may still be recovering: ask it to shut down rather than wait
          // for it to be ready. The one that died is not alive, so only the new one can be.
          const child = target.child();
          if (child && isAlive(child)) child.kill('SIGINT');
          await restarting;
        }
        await target.stop();
      })()),
  };
}

export function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export function describeExit(child: ChildProcess): string {
  return child.signalCode ? `killed by ${child.signalCode}` : `exit code ${child.exitCode}`;
}
