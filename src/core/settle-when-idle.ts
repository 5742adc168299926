/**
 * Gives back what a busy spell left in the heap once the calls stop: `heap.settleWhenIdleS`
 * (docs/performance.md, "RSS under load and after it").
 *
 * Under load V8 grows the young generation to its cap (16 MiB of semi-spaces at the default
 * cap of 8) and Buffers of calls long done wait for the GC that finds them dead. Once the
 * calls stop, allocation stops too, so no GC comes, and V8's memory reducer, which would
 * shrink the heap, starts only from a mark-compact's end: a sidecar that went quiet kept
 * 80 MiB and more for as long as it stayed quiet. One full GC once the process has made no
 * GC for a while (so V8 finds its allocation rate low and shrinks the young generation)
 * frees those Buffers and compacts the old space's part-empty pages.
 *
 * Whether the process is busy is read from its GCs alone, counted by a PerformanceObserver:
 * an idle sidecar (probes, metric scrapes) makes a GC every few minutes at most, a loaded
 * one several a second, and a check every few seconds costs nothing between. The quiet
 * period has to outlast the pauses of a bursty load: a settle between bursts shrinks the
 * young generation the next burst grows again, through a run of mark-compacts (measured in
 * docs/performance.md), hence 60 s by default.
 *
 * V8 shrinks the young generation only when it finds allocation low over its last 5 s, and
 * it samples allocation at GCs: a quiet spell that began with a young generation half full
 * of a burst's tail counts that tail as allocated just now, so the first settle can find the
 * rate high and keep the semi-spaces grown. The settle then runs again after the next quiet
 * period, which starts from its own GC and so sees only the quiet (a few tries at most).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { exposedGc } from './settle-heap.js';

/** How often the GC count is looked at. */
const CHECK_EVERY_MS = 5_000;
/** GCs since the last settle that make a busy spell worth settling after. */
export const BUSY_GCS = 10;
/** Settles after one busy spell when the young generation stays grown (see above). */
export const SETTLE_TRIES = 3;

/** Decides when to settle from GCs seen and periodic checks; no timers of its own, so a test drives it. */
export class IdleSettleWatch {
  private gcs = 0;
  private gcsAtLastCheck = 0;
  private quietChecks = 0;
  /** Settles left for this busy spell while they leave the young generation grown. */
  private triesLeft = 0;

  /** `quietChecksNeeded`: checks in a row that saw no GC before settling. `settle` says whether it gave the young generation back. */
  constructor(
    private readonly quietChecksNeeded: number,
    private readonly settle: () => boolean,
  ) {}

  onGc(): void {
    this.gcs++;
  }

  /** True when it settled at this check. */
  check(): boolean {
    this.quietChecks = this.gcs === this.gcsAtLastCheck ? this.quietChecks + 1 : 0;
    this.gcsAtLastCheck = this.gcs;
    if (this.quietChecks < this.quietChecksNeeded) return false;
    if (this.gcs >= BUSY_GCS) this.triesLeft = SETTLE_TRIES;
    else if (this.triesLeft === 0) return false;
    // The settle's own GC is counted when the observer reports it: one, not a busy spell;
    // it also restarts the quiet period a retry waits for.
    this.gcs = 0;
    this.gcsAtLastCheck = 0;
    this.triesLeft = this.settle() ? 0 : this.triesLeft - 1;
    return true;
  }
}

let gc: (() => void) | undefined;

/** Bytes the young generation holds from the system now. */
export function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
}

/**
 * The settle: one full GC that also compacts the old space (its part-empty pages go back to
 * the system). True when the young generation is no bigger than `startBytes` after it, or smaller than before.
 */
export function settleNow(startBytes: number): boolean {
  gc ??= exposedGc();
  const before = youngGenerationBytes();
  setFlagsFromString('--compact-on-every-full-gc');
  try {
    gc();
  } finally {
    setFlagsFromString('--no-compact-on-every-full-gc');
  }
  const after = youngGenerationBytes();
  return after <= startBytes || after < before;
}

/**
 * Process-wide, from `pmesh start` only (start-flags.ts): settles once no GC came for
 * `quietSeconds` (rounded up to the 5 s checks; at least V8's 5 s allocation-throughput
 * window, so the GC finds allocation low and shrinks the young generation) after a busy
 * spell. Watches until the returned stop is called; never keeps the process alive.
 */
export function settleWhenIdle(quietSeconds: number): () => void {
  const startBytes = youngGenerationBytes();
  const watch = new IdleSettleWatch(Math.max(2, Math.ceil((quietSeconds * 1000) / CHECK_EVERY_MS)), () => settleNow(startBytes));
  const observer = new PerformanceObserver((list) => {
    for (let i = list.getEntries().length; i > 0; i--) watch.onGc();
  });
  observer.observe({ entryTypes: ['gc'] });
  const timer = setInterval(() => watch.check(), CHECK_EVERY_MS).unref();
  return () => {
    clearInterval(timer);
    observer.disconnect();
  };
}
