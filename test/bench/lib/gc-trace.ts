/**
 * Reads what `node --trace-gc --trace-incremental-marking` printed: how many scavenges and
 * mark-compacts ran, and why V8 started each incremental marking (the reason a mark-compact
 * under load starts with: "external memory pressure" is ArrayBuffers, "allocation failure" or
 * "finalize ..." the old space's own limit).
 */
export interface GcCounts {
  scavenges: number;
  markCompacts: number;
  /** reason -> incremental markings started for it */
  readonly markingStarts: Map<string, number>;
}

export const noGcs = (): GcCounts => ({ scavenges: 0, markCompacts: 0, markingStarts: new Map() });

/** Adds what `trace` (a stretch of a sidecar's output) holds to `into`. */
export function countGcs(trace: string, into: GcCounts): void {
  into.scavenges += trace.match(/: Scavenge /g)?.length ?? 0;
  into.markCompacts += trace.match(/: Mark-Compact /g)?.length ?? 0;
  for (const [, reason] of trace.matchAll(/\[IncrementalMarking\] Start \(([^)]*)\)/g)) {
    into.markingStarts.set(reason!, (into.markingStarts.get(reason!) ?? 0) + 1);
  }
}

/** "0.912 scavenges, 0.310 mark-compacts (markings started: 3 external memory pressure)" per 1,000 calls. */
export function describeGcs(counts: GcCounts, calls: number): string {
  const perThousand = (count: number): string => ((count / Math.max(1, calls)) * 1000).toFixed(3);
  const starts = [...counts.markingStarts].map(([reason, count]) => `${count} ${reason}`).join(', ');
  return `per 1,000 calls ${perThousand(counts.scavenges)} scavenges, ${perThousand(counts.markCompacts)} mark-compacts` + (starts ? ` (markings started: ${starts})` : '');
}
