/**
 * Caps V8's young generation (its two semi-spaces, where every short-lived object of a call
 * is made) at a size chosen at run time: `heap.maxSemiSpaceMiB`.
 *
 * Why not `node --max-semi-space-size`: V8 reads that flag once, when it sizes the heap,
 * before any JavaScript runs, so setting it from inside (`v8.setFlagsFromString`) changes
 * nothing, and passing it would need NODE_OPTIONS or a second process at every start. What V8
 * does read every time it grows a semi-space is `--semi-space-growth-factor`: the new size is
 * the old one times the factor, up to V8's own maximum (16 MiB by default). So after each
 * garbage collection the factor is set to what takes the current size at most to the cap, 1
 * (no growth) once there. V8 still shrinks the young generation on its own when allocation
 * slows, and it may grow again up to the cap.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

const MiB = 1024 * 1024;
/** V8's growth factor when nobody sets it. */
const V8_DEFAULT_GROWTH_FACTOR = 2;
/** V8's own largest semi-space on 64-bit hosts (without --max-semi-space-size): a cap there or above caps nothing. */
const V8_MAX_SEMI_SPACE_MIB = 16;

/**
 * The capacity of one semi-space now, in MiB: what the new space can hold (used plus
 * available; page headers make it 1 to 2 % under the capacity, so a cap may be passed by
 * as much). Not its `space_size`, which is what is committed: V8 leaves the idle
 * semi-space uncommitted at times, and half of that size then reads as half the capacity
 * (a cap of 4 let it grow to 8).
 */
export function semiSpaceMiB(): number {
  const newSpace = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  return newSpace ? (newSpace.space_used_size + newSpace.space_available_size) / MiB : 0;
}

/** The growth factor (an integer, as V8 takes it) that takes a semi-space of `currentMiB` at most to `capMiB`: 1 keeps it. */
export function growthFactorFor(currentMiB: number, capMiB: number): number {
  if (currentMiB <= 0) return 1;
  return Math.max(1, Math.floor(capMiB / currentMiB));
}

let stopCurrent: (() => void) | undefined;

/**
 * Keeps each semi-space at or under `capMiB` from now on (process-wide: V8 has one heap per
 * thread and this sets its flag). Calling it again replaces the cap; the function returned
 * lifts it (V8's default growth again).
 */
export function capYoungGeneration(capMiB: number): () => void {
  stopCurrent?.();
  // Nothing to hold back: no observer of every garbage collection for it.
  const maxGiven = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`.includes('--max-semi-space-size');
  if (capMiB >= V8_MAX_SEMI_SPACE_MIB && !maxGiven) {
    // V8's own growth, also after a start that held it (bin/pmesh.js).
    setFlagsFromString(`--semi-space-growth-factor=${V8_DEFAULT_GROWTH_FACTOR}`);
    return () => {};
  }
  let factor = -1;
  const apply = (): void => {
    const next = growthFactorFor(semiSpaceMiB(), capMiB);
    if (next === factor) return;
    factor = next;
    setFlagsFromString(`--semi-space-growth-factor=${next}`);
  };
  apply();
  // A growth happens only in a garbage collection, so the factor is set again after each.
  const observer = new PerformanceObserver(apply);
  observer.observe({ entryTypes: ['gc'] });
  const stop = (): void => {
    observer.disconnect();
    setFlagsFromString(`--semi-space-growth-factor=${V8_DEFAULT_GROWTH_FACTOR}`);
    if (stopCurrent === stop) stopCurrent = undefined;
  };
  stopCurrent = stop;
  return stop;
}
