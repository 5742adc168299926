import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { growthFactorFor } from '../../../src/core/young-generation.js';
import { REPO_ROOT } from '../../support/maven.js';

/**
 * A fresh process (the cap is process-wide, and this one's young generation has long grown)
 * that optionally caps the semi-spaces, then makes garbage with survivors across event-loop
 * turns, as a loaded sidecar does, and prints the largest semi-space size it saw.
 */
function largestSemiSpaceMiB(capMiB: number | undefined): number {
  const module = pathToFileURL(join(REPO_ROOT, 'src/core/young-generation.ts')).href;
  const script = `
    import { capYoungGeneration, semiSpaceMiB } from ${JSON.stringify(module)};
    import { setImmediate as turn } from 'node:timers/promises';
    ${capMiB === undefined ? '' : `capYoungGeneration(${capMiB});`}
    let largest = semiSpaceMiB();
    const kept = new Array(20000);
    for (let i = 0; i < 200; i++) {
      for (let j = 0; j < 5000; j++) kept[(i * 5000 + j) % kept.length] = { id: j, body: 'x'.repeat(64) + j, parts: [j, j + 1] };
      await turn();
      largest = Math.max(largest, semiSpaceMiB());
    }
    process.stdout.write(String(largest));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  return Number(out.trim());
}

describe('capYoungGeneration', () => {
  it('keeps each semi-space at or under the cap while V8 alone grows it past it', () => {
    const uncapped = largestSemiSpaceMiB(undefined);
    expect(uncapped).toBeGreaterThan(2);
    expect(largestSemiSpaceMiB(2)).toBeLessThanOrEqual(2);
  });

  it('grows a semi-space straight to the cap and then not at all', () => {
    expect(growthFactorFor(1, 4)).toBe(4);
    expect(growthFactorFor(1, 3)).toBe(3);
    expect(growthFactorFor(2, 4)).toBe(2);
    expect(growthFactorFor(4, 4)).toBe(1);
    // Above the cap (the process started bigger, or V8 rounded up): never more growth.
    expect(growthFactorFor(8, 4)).toBe(1);
    expect(growthFactorFor(0, 4)).toBe(1);
    // What V8 reports is a little under the capacity (page headers).
    expect(growthFactorFor(3.93, 8)).toBe(2);
  });
});
