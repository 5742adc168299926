import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUSY_GCS, IdleSettleWatch } from '../../../src/core/settle-when-idle.js';
import { REPO_ROOT } from '../../support/maven.js';

const QUIET_CHECKS = 3;

function watchCounting(): { watch: IdleSettleWatch; settles: () => number } {
  let settles = 0;
  return { watch: new IdleSettleWatch(QUIET_CHECKS, () => settles++), settles: () => settles };
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
 * then the watch's settle as settleWhenIdle runs it. Prints the new space's committed size
 * before and after, and whether `gc` leaked into the main context.
 */
function newSpaceAroundSettle(): { before: number; after: number; gcGlobal: string } {
  const module = pathToFileURL(join(REPO_ROOT, 'src/core/settle-when-idle.ts')).href;
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { setImmediate as turn } from 'node:timers/promises';
    import { setTimeout as sleep } from 'node:timers/promises';
    import { settleNow } from ${JSON.stringify(module)};
    const committed = () => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size;
    let kept = new Array(20000);
    for (let i = 0; i < 300; i++) {
      for (let j = 0; j < 5000; j++) kept[(i * 5000 + j) % kept.length] = { id: j, body: 'x'.repeat(64) + j };
      await turn();
    }
    kept = undefined;
    const before = committed();
    await sleep(6000); // past V8's allocation-throughput window
    settleNow();
    process.stdout.write(JSON.stringify({ before, after: committed(), gcGlobal: typeof globalThis.gc }));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  return JSON.parse(out) as { before: number; after: number; gcGlobal: string };
}

describe('settling when idle', () => {
  it("gives back the young generation's grown semi-spaces", () => {
    const { before, after, gcGlobal } = newSpaceAroundSettle();
    expect(before).toBeGreaterThanOrEqual(8 * 1024 * 1024);
    expect(after).toBeLessThanOrEqual(before / 2);
    expect(gcGlobal).toBe('undefined');
  });
});
