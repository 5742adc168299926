import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../support/maven.js';

/**
 * In a fresh process (the flags are process-wide): 300 functions made and run once, as a
 * start runs its set-up code, then the settling GC. Prints the bytecode V8 holds before and
 * after, and whether `gc` leaked into the main context.
 */
function bytecodeAroundSettle(settle: boolean): { before: number; after: number; gcGlobal: string } {
  const module = pathToFileURL(join(REPO_ROOT, 'src/core/settle-heap.ts')).href;
  const script = `
    import { getHeapCodeStatistics } from 'node:v8';
    import { exposedGc, flushAndCompact } from ${JSON.stringify(module)};
    const made = Array.from({ length: 300 }, (_, i) => new Function('a', 'b', 'let s = ' + i + '; for (let k = 0; k < a; k++) s += (k * b) % 7; return s + ' + i + ';'));
    let total = 0;
    for (const fn of made) total += fn(10, 3);
    const bytecode = () => getHeapCodeStatistics().bytecode_and_metadata_size;
    const gc = exposedGc();
    gc();
    const before = bytecode();
    ${settle ? 'flushAndCompact(gc);' : 'gc();'}
    process.stdout.write(JSON.stringify({ before, after: bytecode(), gcGlobal: typeof globalThis.gc, total }));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  return JSON.parse(out) as { before: number; after: number; gcGlobal: string };
}

describe('settling the heap after a start', () => {
  it('drops the bytecode of functions that ran once, which a plain full GC keeps', () => {
    const plain = bytecodeAroundSettle(false);
    expect(plain.after).toBeGreaterThan(plain.before * 0.9);
    const settled = bytecodeAroundSettle(true);
    expect(settled.before - settled.after).toBeGreaterThan(300 * 100);
    expect(settled.after).toBeLessThan(settled.before * 0.8);
    // The flag that exposes gc is set for one context only: the main one never gets it.
    expect(settled.gcGlobal).toBe('undefined');
  });
});
