/**
 * Reads what `node --trace-opt --trace-deopt` printed: how many functions TurboFan compiled
 * (mostly on V8's helper threads, which a bench that counts every thread pays for), the
 * milliseconds those compiles took, and how many optimised functions were thrown away
 * (deoptimised), with the functions that took most compile time. What a column's code costs
 * V8 to keep optimised, beside what it costs to run.
 */
export interface CompileCounts {
  compiles: number;
  compileMs: number;
  deopts: number;
  /** function name -> compile ms */
  readonly byFunction: Map<string, number>;
}

export const noCompiles = (): CompileCounts => ({ compiles: 0, compileMs: 0, deopts: 0, byFunction: new Map() });

/** Adds what `trace` (a stretch of a sidecar's output) holds to `into`. */
export function countCompiles(trace: string, into: CompileCounts): void {
  // "[completed compiling 0x... <JSFunction name (sfi = 0x...)> (target TURBOFAN) - took 0.023, 1.358, 0.034 ms]"
  for (const [, name, prepare, execute, finalize] of trace.matchAll(/\[completed compiling \S+ <JSFunction ?([^ >]*)[^\]]*? - took ([\d.]+), ([\d.]+), ([\d.]+) ms\]/g)) {
    const ms = Number(prepare) + Number(execute) + Number(finalize);
    into.compiles++;
    into.compileMs += ms;
    const key = name || '(anonymous)';
    into.byFunction.set(key, (into.byFunction.get(key) ?? 0) + ms);
  }
  into.deopts += trace.match(/\[bailout \(kind: deopt/g)?.length ?? 0;
}

/** "per 1,000 calls 0.40 TurboFan compiles, 0.10 deopts; 36 compiles in all, 3.62 µs of compile time per call; most: doWrite 62.7 ms, ..." */
export function describeCompiles(counts: CompileCounts, calls: number): string {
  const perThousand = (count: number): string => ((count / Math.max(1, calls)) * 1000).toFixed(2);
  const most = [...counts.byFunction].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([name, ms]) => `${name} ${ms.toFixed(1)} ms`).join(', ');
  return `per 1,000 calls ${perThousand(counts.compiles)} TurboFan compiles, ${perThousand(counts.deopts)} deopts; ${counts.compiles} compiles in all, ${perThousand(counts.compileMs)} µs of compile time per call; most: ${most}`;
}
