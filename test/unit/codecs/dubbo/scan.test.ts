/**
 * The hessian2 scan primitives against bytes written by hessian.js (an independent
 * encoder with Java's encoding choices) and by the Java peers (goldens): every string
 * and integer encoding at its boundaries, skipping any value, and the limits.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HessianScanner } from '../../../../src/codecs/hessian/scan.js';
import { hessianString } from '../../../../src/codecs/hessian/byte-sink.js';
import { golden, hessianBytes, hessianValues } from './helpers.js';

const scan = (bytes: Buffer, maxDepth = 64): HessianScanner => new HessianScanner(bytes, 0, bytes.length, maxDepth);

const STRINGS = [
  '', 'a', 'x'.repeat(31), 'x'.repeat(32), 'x'.repeat(1023), 'x'.repeat(1024), 'x'.repeat(0x8000), 'x'.repeat(0x8001),
  'é', '中文', '\u{1F600}', 'a'.repeat(0x7fff) + '\u{1F600}', '\u00e9'.repeat(70000), 'ü€ x'.repeat(20), 'x'.repeat(40) + '\u{1F600}' + 'y'.repeat(40),
];

describe('HessianScanner strings', () => {
  it.each(STRINGS.map((s) => [s.length, s]))('reads and skips a %i-unit string written by hessian.js', (_n, text) => {
    const bytes = hessianBytes(text, 7);
    const s = scan(bytes);
    expect(s.isString()).toBe(true);
    expect(s.readString()).toBe(text);
    expect(s.readInt()).toBe(7);
    const k = scan(bytes);
    k.skip();
    expect(k.readInt()).toBe(7);
  });

  it.each(STRINGS.map((s) => [s.length, s]))('our writer matches hessian.js for a %i-unit string', (_n, text) => {
    expect(hessianString(text)).toEqual(hessianBytes(text));
  });

  it('any string round-trips through our writer and reader, and hessian.js agrees', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        const bytes = hessianString(text);
        expect(scan(bytes).readString()).toBe(text);
        expect(hessianValues(bytes, 1)[0]).toBe(text);
      }),
      { numRuns: 200 },
    );
  });

  it('reads the chunked 42,769-unit string the Java consumer wrote', () => {
    const body = golden('echo-long-request').subarray(16);
    const s = scan(body);
    for (let i = 0; i < 5; i++) s.readString();
    expect(s.peek()).toBe(0x52); // 'R': a non-final chunk
    expect(s.readString()).toBe('a'.repeat(32767) + '\u{1F600}' + '\u00e9'.repeat(10000));
  });
});

describe('HessianScanner numbers', () => {
  const INTS = [0, -16, 47, 48, -17, -2048, 2047, 2048, -2049, -262144, 262143, 262144, -262145, 2 ** 31 - 1, -(2 ** 31)];
  it.each(INTS)('int %i', (n) => {
    expect(scan(hessianBytes(n)).readInt()).toBe(n);
  });

  const LONGS = [0n, -8n, 15n, 16n, -2048n, 2047n, 2048n, -262144n, 262143n, 262144n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n)];
  it.each(LONGS)('long %s, exact as bigint', (n) => {
    const bytes = hessianBytes({ $class: 'long', $: n.toString() });
    expect(scan(bytes).readLong()).toBe(n);
    const k = scan(Buffer.concat([bytes, Buffer.from([0x91])]));
    k.skip();
    expect(k.readInt()).toBe(1);
  });

  it('reads 2^53 and 2^53+1 exactly from the Java frames', () => {
    const args = golden('addlong-request').subarray(16);
    const s = scan(args);
    for (let i = 0; i < 5; i++) s.readString();
    expect(s.readLong()).toBe(2n ** 53n);
    expect(s.readLong()).toBe(1n);
    const reply = scan(golden('addlong-response').subarray(16));
    expect(reply.readInt()).toBe(4);
    expect(reply.readLong()).toBe(2n ** 53n + 1n);
  });
});

describe('HessianScanner skip', () => {
  const VALUES: Array<[string, unknown]> = [
    ['null', null], ['true', true], ['false', false], ['double 0', 0.5 - 0.5 + 0.25], ['double', 1.5], ['double big', 1e300],
    ['date', new Date(1700000000000)], ['date ms', new Date(1700000000123)], ['binary', Buffer.alloc(5000, 1)], ['empty binary', Buffer.alloc(0)],
    ['list', [1, 'a', [2, [3]]]], ['map', { a: 1, b: { c: [null] } }], ['Map', new Map<unknown, unknown>([[1, 'x'], ['k', [1]]])],
    ['typed list', { $class: '[string', $: ['a', 'b'] }], ['object', { $class: 'com.example.Person', $: { name: 'x', age: 1 } }],
    ['typed map', { $class: 'java.util.TreeMap', $: { a: 1 } }], ['long list', Array.from({ length: 40 }, (_, i) => i)],
  ];
  it.each(VALUES)('skips %s', (_name, value) => {
    const bytes = hessianBytes(value, value, 'end');
    const s = scan(bytes);
    s.skip();
    s.skip();
    expect(s.readString()).toBe('end');
    expect(s.remaining).toBe(0);
  });

  it('skips every argument the Java consumer wrote (POJOs, binary, date, list, map, typed lists)', () => {
    for (const name of ['greet-request', 'mixed-request', 'generic-greet-request', 'fail-response', 'greet-response']) {
      const body = golden(name).subarray(16);
      const s = scan(body);
      while (s.remaining > 0) s.skip();
      expect(s.position).toBe(body.length);
    }
  });

  it('reads a string map, keeping scalars as text and skipping composites', () => {
    const bytes = hessianBytes(new Map<unknown, unknown>([['a', 'x'], ['n', 5], ['t', true], ['l', [1]], ['z', null], [3, 'k']]));
    expect(Object.fromEntries(scan(bytes).readStringMap())).toEqual({ a: 'x', n: '5', t: 'true' });
  });

  it('counts composites for references and refuses dangling ones', () => {
    const shared = { a: 1 };
    const bytes = hessianBytes([shared, shared, [shared]], 'end');
    expect(bytes.includes(0x51)).toBe(true); // hessian.js wrote back-references
    const s = scan(bytes);
    s.skip();
    expect(s.readString()).toBe('end');
    expect(() => scan(Buffer.from([0x51, 0x90])).skip()).toThrow('hessian: reference 0 points past the 0 values defined so far');
    expect(() => scan(Buffer.from([0x79, 0x51, 0x91])).skip()).toThrow('hessian: reference 1 points past the 1 values defined so far');
    expect(() => scan(Buffer.from([0x79, 0x51, 0x90])).skip()).not.toThrow(); // a list holding itself
  });

  it('refuses nesting deeper than the limit with a typed error, not a RangeError', () => {
    const deep = Buffer.concat([Buffer.alloc(100_000, 0x79), Buffer.from([0x4e])]);
    expect(() => scan(deep).skip()).toThrow('hessian: nesting deeper than 64');
    expect(() => scan(hessianBytes([[[1]]]), 2).skip()).toThrow('hessian: nesting deeper than 2');
  });

  it('checks declared lengths against the bytes left before looping or allocating', () => {
    expect(() => scan(Buffer.from([0x41, 0xff, 0xff, 0x00])).skip()).toThrow('hessian: value declares 65535 bytes but only 1 remain');
    expect(() => scan(Buffer.from([0x56, 0x00, 0x49, 0x7f, 0xff, 0xff, 0xff])).skip()).toThrow('hessian: list declares 2147483647 bytes but only 0 remain');
    expect(() => scan(Buffer.from([0x48, 0x91])).skip()).toThrow('hessian: unexpected end of data');
    expect(() => scan(Buffer.from([0x52, 0x00, 0x01, 0x41, 0x91])).skip()).toThrow('hessian: expected a string chunk, got 0x91');
  });
});
