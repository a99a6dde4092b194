// CPU time per party during a scenario, from /proc: the worker process, the Postgres cluster, the bench itself
// (receiver included) and everything else on the machine. On a 2-core box "everything else" is what makes two
// runs disagree, so it is printed next to the figures.
import { readdirSync, readFileSync } from 'node:fs';

const TICK = 100; // USER_HZ on Linux

function statFields(pid: number): string[] | null {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces; fields after it are fixed.
    return raw.slice(raw.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** utime + stime of a process (fields 14, 15), optionally with its reaped children's (16, 17), in seconds. */
function cpuOf(pid: number, withReaped = false): number {
  const f = statFields(pid);
  if (!f) return 0;
  const own = Number(f[11]) + Number(f[12]);
  return (withReaped ? own + Number(f[13]) + Number(f[14]) : own) / TICK;
}

/** The postmaster plus its live backends, plus backends that already exited (reaped: counted in cutime). */
function postgresCpu(postmasterPid: number): number {
  let total = cpuOf(postmasterPid, true);
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const f = statFields(Number(name));
    if (f && Number(f[1]) === postmasterPid) total += cpuOf(Number(name));
  }
  return total;
}

function machineBusy(): number {
  const [, ...v] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = v.map(Number);
  return (user + nice + system + irq + softirq + steal) / TICK;
}

export interface CpuSample {
  worker: number;
  postgres: number;
  bench: number;
  machine: number;
  at: number;
}

export function sampleCpu(workerPid: number, postmasterPid: number): CpuSample {
  const self = process.cpuUsage();
  return { worker: cpuOf(workerPid), postgres: postgresCpu(postmasterPid), bench: (self.user + self.system) / 1e6, machine: machineBusy(), at: Date.now() };
}

export interface CpuUse {
  wallS: number;
  worker: number;
  postgres: number;
  bench: number;
  other: number;
}

export function cpuBetween(a: CpuSample, b: CpuSample): CpuUse {
  const worker = b.worker - a.worker;
  const postgres = b.postgres - a.postgres;
  const bench = b.bench - a.bench;
  return { wallS: (b.at - a.at) / 1000, worker, postgres, bench, other: Math.max(0, b.machine - a.machine - worker - postgres - bench) };
}

export const formatCpu = (c: CpuUse) =>
  `CPU s over ${c.wallS.toFixed(1)} s: worker ${c.worker.toFixed(2)}, postgres ${c.postgres.toFixed(2)}, bench+receiver ${c.bench.toFixed(2)}, other processes ${c.other.toFixed(2)}`;
