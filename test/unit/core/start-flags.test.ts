import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../support/maven.js';

/**
 * In a fresh process (the flags are process-wide): what bin/pmesh.js holds back for a start
 * (no optimizing compiler, no young-generation growth), then endStart, then a hot function
 * and survivors across event-loop turns. Prints whether the function was optimized
 * (--trace-opt) and the largest semi-space seen.
 */
function afterStart(callEndStart: boolean): { optimized: boolean; largestSemiSpaceMiB: number } {
  const flags = pathToFileURL(join(REPO_ROOT, 'src/core/start-flags.ts')).href;
  const young = pathToFileURL(join(REPO_ROOT, 'src/core/young-generation.ts')).href;
  const script = `
    import { setFlagsFromString } from 'node:v8';
    import { setImmediate as turn } from 'node:timers/promises';
    import { endStart } from ${JSON.stringify(flags)};
    import { semiSpaceMiB } from ${JSON.stringify(young)};
    setFlagsFromString('--semi-space-growth-factor=1');
    setFlagsFromString('--no-turbofan');
    setFlagsFromString('--no-sparkplug');
    ${callEndStart ? 'endStart({ maxSemiSpaceMiB: 16, settleAfterStart: false, settleWhenIdleS: 0, reuseWriteBuffers: false });' : ''}
    function hotSum(values) { let sum = 0; for (const value of values) sum += value * 3; return sum; }
    const values = Array.from({ length: 100 }, (_, i) => i);
    let total = 0;
    for (let i = 0; i < 20000; i++) total += hotSum(values);
    await turn();
    let largest = semiSpaceMiB();
    const kept = new Array(20000);
    for (let i = 0; i < 200; i++) {
      for (let j = 0; j < 5000; j++) kept[(i * 5000 + j) % kept.length] = { id: j, body: 'x'.repeat(64) + j, parts: [total, j] };
      await turn();
      largest = Math.max(largest, semiSpaceMiB());
    }
    process.stdout.write('largest ' + largest + '\\n');`;
  const out = execFileSync(process.execPath, ['--trace-opt', '--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    optimized: /completed (optimizing|compiling) .*hotSum/.test(out),
    largestSemiSpaceMiB: Number(/largest ([\d.]+)/.exec(out)?.[1]),
  };
}

describe('endStart', () => {
  it('gives back the optimizing compiler and the young generation held during a start', () => {
    const held = afterStart(false);
    expect(held.optimized).toBe(false);
    expect(held.largestSemiSpaceMiB).toBeLessThanOrEqual(2);
    const given = afterStart(true);
    expect(given.optimized).toBe(true);
    expect(given.largestSemiSpaceMiB).toBeGreaterThan(2);
  });
});
