/** RSS and CPU time of another process, read from /proc (Linux). */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux x86-64

export interface ProcessStats {
  readonly rssMiB: number;
  readonly peakRssMiB: number;
  /** user + system CPU seconds since the process started. */
  readonly cpuSeconds: number;
}

export function processStats(pid: number): ProcessStats {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  // Fields 14 and 15 of /proc/pid/stat (after the parenthesised name) are utime and stime.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rssMiB: kib('VmRSS') / 1024, peakRssMiB: kib('VmHWM') / 1024, cpuSeconds: ticks / TICKS_PER_SECOND };
}

/**
 * Where a process's CPU went, in seconds since it started: its main thread's user time, the
 * user time of its other threads (for Node: V8's helpers, which mark and scavenge beside the
 * main thread and compile, and libuv's pool) and the kernel's time for all of them
 * (/proc/<pid>/task/<tid>/stat). The main thread's tid is the pid.
 */
export interface ThreadCpu {
  mainUser: number;
  otherUser: number;
  system: number;
}

export const noThreadCpu = (): ThreadCpu => ({ mainUser: 0, otherUser: 0, system: 0 });

export function threadCpu(pid: number): ThreadCpu {
  const cpu = noThreadCpu();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const user = Number(fields[11]) / TICKS_PER_SECOND;
        if (Number(tid) === pid) cpu.mainUser += user;
        else cpu.otherUser += user;
        cpu.system += Number(fields[12]) / TICKS_PER_SECOND;
      } catch {
        // the thread ended meanwhile
      }
    }
  } catch {
    // the process is gone
  }
  return cpu;
}

/** Pids of a process's children (Linux /proc/<pid>/task/<tid>/children). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text) children.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // the process is gone
  }
  return children;
}

/** A process's pid and those of all its descendants. */
export function processTree(pid: number): number[] {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) pids.push(...childrenOf(pids[i]!));
  return pids;
}

/**
 * A process and all its descendants together (nginx's master and workers): CPU summed, and
 * the sum of each one's RSS and peak (their shared pages counted once per process).
 */
export function processTreeStats(pid: number): ProcessStats {
  let rssMiB = 0;
  let peakRssMiB = 0;
  let cpuSeconds = 0;
  for (const one of processTree(pid)) {
    try {
      const stats = processStats(one);
      rssMiB += stats.rssMiB;
      peakRssMiB += stats.peakRssMiB;
      cpuSeconds += stats.cpuSeconds;
    } catch {
      // exited meanwhile
    }
  }
  return { rssMiB, peakRssMiB, cpuSeconds };
}

/**
 * Milliseconds a process's main thread spent runnable but waiting for a CPU since it started
 * (/proc/<pid>/schedstat, second field, ns; 0 where the kernel keeps no schedstats). Wall
 * time is this, plus the thread's own CPU, plus its sleeps (I/O, timers): on a busy shared
 * host, this is most of the gap between wall time and CPU.
 */
export function runQueueWaitMs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1] ?? 0) / 1e6;
  } catch {
    return 0;
  }
}
