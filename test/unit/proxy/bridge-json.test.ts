/**
 * The bridge's JSON body reader: limits enforced chunk by chunk before any parse, and
 * integers beyond 2^53 kept exact.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MeshError } from '../../../src/core/index.js';
import { JSON_BODY } from '../../../src/proxy/bridge-json.js';

const LIMITS = { maxBytes: 8 * 1024 * 1024, maxValues: 100_000, maxDepth: 64 };

function read(text: string | Buffer, limits = LIMITS): unknown[] {
  const body = typeof text === 'string' ? Buffer.from(text) : text;
  const reader = JSON_BODY.newReader(limits);
  reader.push(body);
  return reader.finish(body);
}

/** The reader's count (containers opened plus commas), from JSON.parse's tree. */
function countValues(body: Buffer): number {
  const count = (value: unknown): number => {
    if (Array.isArray(value)) return 1 + Math.max(0, value.length - 1) + value.reduce((sum: number, item) => sum + count(item), 0);
    if (typeof value === 'object' && value !== null) {
      const items = Object.values(value);
      return 1 + Math.max(0, items.length - 1) + items.reduce((sum: number, item) => sum + count(item), 0);
    }
    return 0;
  };
  return count(JSON.parse(body.toString()));
}

function refusal(run: () => unknown): MeshError {
  try {
    run();
  } catch (error) {
    if (MeshError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('the bridge JSON reader', () => {
  it('a 10-million-element array streamed in chunks is refused at the value limit, after a few hundred KB', () => {
    const reader = JSON_BODY.newReader(LIMITS);
    const chunk = Buffer.from('0,'.repeat(32 * 1024));
    let pushed = 0;
    const error = refusal(() => {
      reader.push(Buffer.from('['));
      for (let i = 0; i < 10_000_000 / (32 * 1024); i++) {
        reader.push(chunk);
        pushed += chunk.length;
      }
    });
    expect(error.reason).toBe('PMESH_BODY_TOO_LARGE');
    expect(error.message).toBe('the arguments hold more than 100000 JSON values (bridge.maxJsonValues)');
    expect(error.details).toEqual({ limit: 'bridge_max_json_values' });
    expect(pushed).toBeLessThan(256 * 1024);
  });

  it('nesting past the depth limit is refused as it is read', () => {
    const error = refusal(() => read(`[${'['.repeat(70)}${']'.repeat(70)}]`));
    expect(error.reason).toBe('PMESH_BAD_REQUEST');
    expect(error.message).toBe('the arguments nest deeper than 64 (bridge.maxJsonDepth)');
    expect(error.details).toEqual({ limit: 'bridge_max_json_depth' });
    expect(read(`[${'['.repeat(63)}${']'.repeat(63)}]`)).toHaveLength(1);
  });

  it('brackets and commas inside strings are not counted', () => {
    const text = JSON.stringify([`${'[,{'.repeat(200_000)}\\"`]);
    expect(read(text)).toEqual([`${'[,{'.repeat(200_000)}\\"`]);
  });

  it('integers beyond 2^53 stay exact as bigint; other numbers and strings are as JSON.parse reads them', () => {
    expect(read('[9223372036854775807, -9223372036854775808, 1.5, 1e400, "9223372036854775807", 12345678901234567890123, 1000000000000000000, 42]')).toEqual([
      9223372036854775807n,
      -9223372036854775808n,
      1.5,
      Number.POSITIVE_INFINITY,
      '9223372036854775807',
      12345678901234567890123n,
      1000000000000000000n, // as lossless-json read it: more digits than a double is sure of
      42,
    ]);
    expect(read('[{"id":9007199254740993,"x":[9007199254740993]}]')).toEqual([{ id: 9007199254740993n, x: [9007199254740993n] }]);
  });

  it('a long integer split across chunks stays exact', () => {
    const reader = JSON_BODY.newReader(LIMITS);
    const parts = ['[92233720', '36854775807', ']'].map((part) => Buffer.from(part));
    for (const part of parts) reader.push(part);
    expect(reader.finish(Buffer.concat(parts))).toEqual([9223372036854775807n]);
  });

  it.each([
    ['an empty body', '', 'the body is empty: expected a JSON array of the arguments ([] for none)'],
    ['only whitespace', '  \n', 'the body is empty: expected a JSON array of the arguments ([] for none)'],
    ['an object', '{"a":1}', 'expected a JSON array of the arguments'],
    ['a number', '42', 'expected a JSON array of the arguments'],
  ])('%s is refused: %s', (_name, text, message) => {
    const error = refusal(() => read(text));
    expect(error.reason).toBe('PMESH_BAD_REQUEST');
    expect(error.message).toBe(message);
  });

  it('invalid UTF-8 is refused', () => {
    const error = refusal(() => read(Buffer.from([0x5b, 0x22, 0xc3, 0x28, 0x22, 0x5d])));
    expect(error.reason).toBe('PMESH_BAD_REQUEST');
    expect(error.message).toBe('the body is not valid UTF-8');
  });

  it('broken JSON is refused naming the problem', () => {
    const error = refusal(() => read('[1, 2'));
    expect(error.reason).toBe('PMESH_BAD_REQUEST');
    expect(error.message).toMatch(/^the body is not JSON: /);
  });

  it('any split into chunks reads as the whole body, escaped quotes and backslash runs included', () => {
    const text = fc.stringMatching(/^[a-z"\\\[\]{},:0-9 ]{0,12}$/);
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, text, fc.integer(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(text, tie('value'), { maxKeys: 3 })),
    })).value;
    fc.assert(
      fc.property(fc.array(json, { maxLength: 4 }), fc.array(fc.nat(), { maxLength: 4 }), (args, cuts) => {
        const body = Buffer.from(JSON.stringify(args, (_key, v: unknown) => (typeof v === 'bigint' ? `\u0000${v}` : v)).replace(/"\\u0000(-?\d+)"/g, '$1'));
        const whole = read(body);
        const reader = JSON_BODY.newReader(LIMITS);
        const at = [...new Set(cuts.map((cut) => cut % (body.length + 1)))].sort((a, b) => a - b);
        let from = 0;
        for (const cut of [...at, body.length]) {
          reader.push(body.subarray(from, cut));
          from = cut;
        }
        expect(reader.finish(body)).toEqual(whole);
        // The value count does not depend on the chunks either: the exact count passes, one less is refused.
        const values = countValues(body);
        expect(() => read(body, { ...LIMITS, maxValues: values })).not.toThrow();
        if (values > 0) expect(() => read(body, { ...LIMITS, maxValues: values - 1 })).toThrow(/JSON values/);
      }),
      { numRuns: 300 },
    );
  });

  it('an 8 MiB string is read whole', () => {
    const text = 'é'.repeat(4 * 1024 * 1024 - 8);
    expect(read(JSON.stringify([text]))).toEqual([text]);
  });
});
