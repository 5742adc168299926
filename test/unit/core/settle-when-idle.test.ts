import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUSY_GCS, IdleSettleWatch, SETTLE_TRIES } from '../../../src/core/settle-when-idle.js';
import { REPO_ROOT } from '../../support/maven.js';

const QUIET_CHECKS = 3;

/** A watch whose settles are counted; the first `grownFor` of them leave the young generation grown. */
function watchCounting(grownFor = 0): { watch: IdleSettleWatch; settles: () => number } {
  let settles = 0;
  return { watch: new IdleSettleWatch(QUIET_CHECKS, () => ++settles > grownFor), settles: () => settles };
}

/** Checks until a settle, the settle's own GC reported as the observer would; the number of checks, or -1 if none settled. */
function checksToSettle(watch: IdleSettleWatch, limit: number): number {
  for (let i = 1; i <= limit; i++) {
    if (watch.check()) {
      watch.onGc();
      return i;
    }
  }
  return -1;
}

describe('IdleSettleWatch', () => {
  it('settles once after a busy spell, when enough checks in a row saw no GC', () => {
    const { watch, settles } = watchCounting();
    for (let i = 0; i < BUSY_GCS; i++) watch.onGc();
    expect(watch.check()).toBe(false); // this check saw the spell's GCs
    for (let i = 1; i < QUIET_CHECKS; i++) expect(watch.check()).toBe(false);
    expect(watch.check()).toBe(true);
    expect(settles()).toBe(1);
    // Quiet since: nothing more to give back until the next busy spell.
    watch.onGc(); // the settle's own GC, reported later
    for (let i = 0; i < QUIET_CHECKS * 3; i++) watch.check();
    expect(settles()).toBe(1);
  });

  it('settles again after another quiet period while the young generation stays grown, a few tries at most', () => {
    const { watch, settles } = watchCounting(Number.MAX_SAFE_INTEGER);
    for (let i = 0; i < BUSY_GCS; i++) watch.onGc();
    expect(checksToSettle(watch, QUIET_CHECKS * 2)).toBe(QUIET_CHECKS + 1);
    // Each retry waits out a whole quiet period, counted from the settle's own GC.
    for (let i = 1; i < SETTLE_TRIES; i++) expect(checksToSettle(watch, QUIET_CHECKS * 2)).toBe(QUIET_CHECKS + 1);
    expect(checksToSettle(watch, QUIET_CHECKS * 10)).toBe(-1);
    expect(settles()).toBe(SETTLE_TRIES);

    const { watch: second, settles: secondSettles } = watchCounting(1);
    for (let i = 0; i < BUSY_GCS; i++) second.onGc();
    checksToSettle(second, QUIET_CHECKS * 2);
    checksToSettle(second, QUIET_CHECKS * 2);
    expect(checksToSettle(second, QUIET_CHECKS * 10)).toBe(-1); // given back at the second: done
    expect(secondSettles()).toBe(2);
  });

  it('does not settle while GCs keep coming, nor after a few GCs of an idle sidecar', () => {
    const { watch, settles } = watchCounting();
    for (let i = 0; i < QUIET_CHECKS * 4; i++) {
      watch.onGc();
      watch.check();
    }
    expect(settles()).toBe(0); // busy all along
    const idle = watchCounting();
    for (let i = 0; i < BUSY_GCS - 1; i++) {
      idle.watch.onGc();
      for (let k = 0; k < QUIET_CHECKS + 1; k++) idle.watch.check();
    }
    expect(idle.settles()).toBe(0); // scattered GCs (probes, scrapes) never add up to a busy spell
  });
});

/**
 * In a fresh process (the flags are process-wide): a young generation grown by survivors,
 * then a trickle of allocation up to the first settle, then settles as the watch runs them:
 * again after each quiet period while the young generation stays grown. Prints the new
 * space's committed size before and after, the settles it took, and whether `gc` leaked
 * into the main context.
 */
interface SettleOutcome {
  readonly before: number;
  readonly afterFirst: number;
  readonly after: number;
  readonly settles: number;
  readonly gcGlobal: string;
}

function newSpaceAroundSettle(): SettleOutcome {
  const module = pathToFileURL(join(REPO_ROOT, 'src/core/settle-when-idle.ts')).href;
  const script = `
    import { setImmediate as turn, setTimeout as sleep } from 'node:timers/promises';
    import { settleNow, youngGenerationBytes, SETTLE_TRIES } from ${JSON.stringify(module)};
    const startBytes = youngGenerationBytes();
    let kept = new Array(20000);
    for (let i = 0; i < 300; i++) {
      for (let j = 0; j < 5000; j++) kept[(i * 5000 + j) % kept.length] = { id: j, body: 'x'.repeat(64) + j };
      await turn();
    }
    kept = undefined;
    let trickle = [];
    for (let i = 0; i < 2000; i++) {
      trickle.push({ at: i, rows: new Array(100) });
      if (trickle.length > 1000) trickle = [];
      await sleep(1);
    }
    trickle = undefined;
    const before = youngGenerationBytes();
    // First right after the trickle, which V8 counts as a high allocation rate and so keeps
    // the semi-spaces; then as the watch retries, each after a quiet period.
    let settles = 1;
    let settled = settleNow(startBytes);
    const afterFirst = youngGenerationBytes();
    while (!settled && settles < SETTLE_TRIES) {
      await sleep(6000); // past V8's allocation-throughput window
      settles++;
      settled = settleNow(startBytes);
    }
    process.stdout.write(JSON.stringify({ before, afterFirst, after: youngGenerationBytes(), settles, gcGlobal: typeof globalThis.gc }));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  return JSON.parse(out) as SettleOutcome;
}

describe('settling when idle', () => {
  it("gives back the young generation's grown semi-spaces", () => {
    const { before, afterFirst, after, settles, gcGlobal } = newSpaceAroundSettle();
    expect(before).toBeGreaterThanOrEqual(8 * 1024 * 1024);
    // A settle says it gave the young generation back exactly when it did.
    expect(settles > 1).toBe(afterFirst >= before);
    expect(after).toBeLessThanOrEqual(before / 2);
    expect(settles).toBeLessThanOrEqual(SETTLE_TRIES);
    expect(gcGlobal).toBe('undefined');
  }, 150_000);
});
