/**
 * CPU time of a process tree to the nanosecond, from the scheduler's own account
 * (/proc/<pid>/task/<tid>/schedstat, Linux): the time each thread ran, summed over the
 * threads of the process and of its children. /proc/<pid>/stat's utime and stime count in
 * 10 ms ticks, which a window of a few thousand calls can no longer ignore (±10 ms is
 * ±1 µs per call for a 10,000-call window); this reads what the kernel adds up on every
 * switch. Undefined where the kernel keeps no schedstat (built without CONFIG_SCHED_INFO).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { processTree } from './process-stats.js';

function tasksOf(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/task`);
  } catch {
    return []; // the process is gone
  }
}

/** One thread's schedstat: nanoseconds run (sum_exec_runtime), nanoseconds waiting to run, times run. Throws for a thread that ended meanwhile. */
function schedstat(pid: number, task: string | number): number[] {
  return readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ').map(Number);
}

/** Nanoseconds one thread has run. */
function taskNanos(pid: number, task: string): number {
  return schedstat(pid, task)[0]!;
}

/** CPU seconds the threads of `pid` and its descendants have run, or undefined without schedstat. */
export function threadCpuSeconds(pid: number): number | undefined {
  let nanos = 0;
  let read = false;
  for (const one of processTree(pid)) {
    for (const task of tasksOf(one)) {
      try {
        nanos += taskNanos(one, task);
        read = true;
      } catch {
        // a thread that ended meanwhile
      }
    }
  }
  return read ? nanos / 1e9 : undefined;
}

/**
 * The same account, per kind of thread of `pid` alone (its children left out): "main" for
 * the main thread, else the thread's name (/proc/<pid>/task/<tid>/comm; in Node 20 V8's
 * helpers, which mark, scavenge and compile, are named "node", as is a worker thread).
 * Seconds run per kind; empty without schedstat.
 */
export function threadCpuByKind(pid: number): Map<string, number> {
  const kinds = new Map<string, number>();
  for (const task of tasksOf(pid)) {
    try {
      const kind = Number(task) === pid ? 'main' : readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8').trim();
      const seconds = taskNanos(pid, task) / 1e9;
      kinds.set(kind, (kinds.get(kind) ?? 0) + seconds);
    } catch {
      // a thread that ended meanwhile
    }
  }
  return kinds;
}

/**
 * How often a process's main thread ran and how many reads and writes it made, since it
 * started: schedstat's third field (the times the scheduler put it on a CPU, so its wakeups
 * and preemptions) and /proc/<pid>/io's syscr + syscw (read-like and write-like system
 * calls of the whole process; epoll waits are not among them). Zero for what the kernel
 * does not keep. A configuration that costs more per call with as many of both per call
 * spends it inside its runs, not on waking more often.
 */
export function mainThreadActivity(pid: number): { runs: number; syscalls: number } {
  let runs = 0;
  let syscalls = 0;
  try {
    runs = schedstat(pid, pid)[2] ?? 0;
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    syscalls = Number(/^syscr: (\d+)/m.exec(io)?.[1] ?? 0) + Number(/^syscw: (\d+)/m.exec(io)?.[1] ?? 0);
  } catch {
    // the process is gone, or the kernel keeps neither
  }
  return { runs, syscalls };
}
