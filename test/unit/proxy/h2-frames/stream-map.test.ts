/**
 * The stream table's map (stream-map.ts) answers as a Map would, whatever the order ids
 * come and go in: streams opened in order and closed out of order, ids that share a slot
 * (far apart, as after many streams on one connection), removals that must move entries
 * back across the end of the table, growth, and being walked while it changes.
 */
import { describe, expect, it } from 'vitest';
import { StreamMap } from '../../../../src/proxy/h2-frames/stream-map.js';

/** A small deterministic generator (xorshift), so a failure repeats. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

function same(map: StreamMap<string>, reference: Map<number, string>, probes: Iterable<number>): void {
  expect(map.size).toBe(reference.size);
  for (const id of probes) expect(map.get(id)).toBe(reference.get(id));
  expect(map.keys().sort((a, b) => a - b)).toEqual([...reference.keys()].sort((a, b) => a - b));
  expect(map.values().sort()).toEqual([...reference.values()].sort());
}

describe('StreamMap', () => {
  it('streams opened in order and closed in any order, on either side (odd and even ids), like a Map', () => {
    for (const [seed, first] of [[1, 1], [7, 2], [42, 1]] as const) {
      const next = random(seed);
      const map = new StreamMap<string>();
      const reference = new Map<number, string>();
      let id = first;
      const seen: number[] = [];
      for (let step = 0; step < 20_000; step++) {
        // Up to about 200 open at once, so the table grows and wraps.
        if (reference.size < 200 && (reference.size === 0 || next() < 0.52)) {
          map.set(id, `s${id}`);
          reference.set(id, `s${id}`);
          seen.push(id);
          id += 2;
        } else {
          const open = [...reference.keys()];
          const victim = open[Math.floor(next() * open.length)]!;
          expect(map.delete(victim)).toBe(true);
          reference.delete(victim);
          expect(map.delete(victim)).toBe(false);
        }
        if (step % 997 === 0) same(map, reference, seen.slice(-400));
      }
      same(map, reference, seen.slice(-400));
    }
  });

  it('ids that share a slot, removed so entries move back across the end of the table', () => {
    const map = new StreamMap<string>();
    // 16 slots at first: ids 2k+1 and 2k+1+32 share slot k. Slot 15, then 0 and 1, by wrapping.
    const ids = [31, 63, 95, 1, 33, 3];
    for (const id of ids) map.set(id, `s${id}`);
    expect(map.delete(31)).toBe(true);
    for (const id of [63, 95, 1, 33, 3]) expect(map.get(id)).toBe(`s${id}`);
    expect(map.delete(95)).toBe(true);
    expect(map.delete(1)).toBe(true);
    for (const id of [63, 33, 3]) expect(map.get(id)).toBe(`s${id}`);
    expect(map.get(31)).toBeUndefined();
    expect(map.size).toBe(3);
  });

  it('a value set again is replaced, not added; clear empties it; walking it while deleting sees every entry once', () => {
    const map = new StreamMap<string>();
    map.set(5, 'a');
    map.set(5, 'b');
    expect(map.size).toBe(1);
    expect(map.get(5)).toBe('b');
    for (let id = 1; id < 100; id += 2) map.set(id, `s${id}`);
    const walked: number[] = [];
    for (const id of map.keys()) {
      walked.push(id);
      map.delete(id);
    }
    expect(walked.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => 2 * i + 1));
    expect(map.size).toBe(0);
    map.set(0x7fff_ffff, 'last');
    expect(map.get(0x7fff_ffff)).toBe('last');
    map.clear();
    expect(map.size).toBe(0);
    expect(map.get(0x7fff_ffff)).toBeUndefined();
    expect(map.values()).toEqual([]);
  });
});
