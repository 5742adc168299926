/**
 * Gives back, once a start is over, the memory V8 would otherwise hold until its memory
 * reducer runs (8 s after the start at the soonest, often 20 s or more on a busy host, and
 * only while allocation stays low): `heap.settleAfterStart` (docs/performance.md, "Settling
 * the heap after a start").
 *
 * - Bytecode of code that ran only during the start (config parsing and checks, schema and
 *   listener set-up, module bodies): V8 drops a function's bytecode only after it has gone
 *   unused through several full GCs, and an idle sidecar makes none. One full GC with
 *   `--stress-flush-code` drops the bytecode of every function not running; a function run
 *   again later (a call's path) is compiled again on that first call.
 * - The old space's pages left part-empty by the start: that GC compacts them
 *   (`--compact-on-every-full-gc`), so the emptied pages go back to the system.
 * - The young generation's second semi-space: V8 gives it back after a full GC that finds
 *   allocation low over its last 5 s (its throughput window), which the start's own
 *   allocation keeps it from finding until well after the start; so a second full GC runs
 *   once the sidecar has been idle that long since the first.
 *
 * Node 20 offers no call for a GC, so `gc` is taken from a context made with `--expose-gc`
 * (the flag is set for that moment only); the flags are process-wide, so this runs only in
 * `pmesh start` (start-flags.ts), never in run(), which tests call in a shared process.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** After ready: the admin API's first answers (a readiness probe) are done by then. */
const FIRST_GC_AFTER_MS = 1_000;
/** Past V8's allocation-throughput window (5 s) after the first GC, so it sees only idle time. */
const SECOND_GC_AFTER_MS = 6_000;

type Gc = () => void;

/** V8's `gc()` (see above); the context it comes from lives as long as it is held. */
export function exposedGc(): Gc {
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as Gc;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

/** One full GC that drops the bytecode of every function not running and compacts the old space. */
export function flushAndCompact(gc: Gc): void {
  setFlagsFromString('--stress-flush-code');
  setFlagsFromString('--compact-on-every-full-gc');
  try {
    gc();
  } finally {
    setFlagsFromString('--no-stress-flush-code');
    setFlagsFromString('--no-compact-on-every-full-gc');
  }
}

/** Schedules the settling GCs; the timers do not keep the process alive. Returns a cancel. */
export function settleHeapAfterStart(): () => void {
  let second: NodeJS.Timeout | undefined;
  const first = setTimeout(() => {
    const gc = exposedGc();
    flushAndCompact(gc);
    second = setTimeout(gc, SECOND_GC_AFTER_MS).unref();
  }, FIRST_GC_AFTER_MS).unref();
  return () => {
    clearTimeout(first);
    clearTimeout(second);
  };
}
