/**
 * The value model against Java: test/golden/values/<case>.dubbo.bin (Dubbo 3.3.6,
 * hessian-lite 4.0.4, Hessian 2.0 final) and <case>.sofa.bin (sofa-hessian 3.5.5, the
 * legacy dialect Java SOFARPC writes), all written by clients/java/values-golden
 * (`npm run golden:values`). Each case decodes, in both dialects, to the value Java
 * held; our encoding of that value equals Java's bytes wherever Java is deterministic.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeJavaValues, encodeJavaValues } from '../../../../src/codecs/hessian/java-values.js';
import { javaEquals, type JavaValue } from '../../../../src/bridge/values.js';
import { DUBBO_ORDER, VALUES_DIR, cases, catalog, goldenValue, ordered } from '../../../support/value-goldens.js';

const DIR = VALUES_DIR;
const bin = goldenValue;

/** Typed lists and the element type a declared type gives (types settle short/byte/float/char). */
function decode(name: string, peer: 'dubbo' | 'sofa', type?: string): JavaValue {
  const body = bin(name, peer);
  const dialect = peer === 'dubbo' ? 'final' : 'legacy';
  const [value] = decodeJavaValues(body, dialect, [type], { catalog });
  return value as JavaValue;
}

describe('golden values: decode what Java wrote, in both dialects', () => {
  for (const c of cases) {
    for (const peer of ['dubbo', 'sofa'] as const) {
      if (!existsSync(join(DIR, `${c.name}.${peer}.bin`))) continue;
      it(`${c.name} (${peer})`, () => {
        const decoded = decode(c.name, peer, c.type);
        const expected = peer === 'dubbo' ? ordered(c.value, DUBBO_ORDER) : c.value;
        expect(javaEquals(decoded, expected), `${JSON.stringify(decoded, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`).toBe(true);
      });
    }
  }

  it('a shared POJO stays one object (Java wrote a back-reference)', () => {
    const decoded = decode('pojo_shared_ref', 'dubbo');
    if (decoded === null || decoded.kind !== 'list') throw new Error('expected a list');
    const items = decoded.items;
    expect(items[0]).toBe(items[1]);
    expect(encodeJavaValues([decoded], { floatFieldsFirst: false })).toEqual(bin('pojo_shared_ref', 'dubbo'));
  });

  it('the SOFARPC Java peer cannot write BigInteger on Java 17 (no golden), the Dubbo one can', () => {
    expect(existsSync(join(DIR, 'biginteger.sofa.bin'))).toBe(false);
    expect(readFileSync(join(DIR, 'cases.txt'), 'utf8')).toContain('biginteger sofa-unsupported');
  });
});

describe('golden values: our bytes equal the bytes Dubbo 3.3.6 wrote', () => {
  for (const c of cases) {
    if (c.identical === false) continue;
    it(c.name, () => {
      const value = ordered(c.value, DUBBO_ORDER);
      expect(encodeJavaValues([value], { floatFieldsFirst: false }).toString('hex')).toBe(bin(c.name, 'dubbo').toString('hex'));
    });
  }
});

describe('golden values: our legacy-dialect bytes equal the bytes sofa-hessian 3.5.5 wrote', () => {
  for (const c of cases) {
    if (c.identical === false || !existsSync(join(DIR, `${c.name}.sofa.bin`))) continue;
    it(c.name, () => {
      expect(encodeJavaValues([c.value], { dialect: 'legacy' }).toString('hex')).toBe(bin(c.name, 'sofa').toString('hex'));
    });
  }

  it('a shared POJO is a J back-reference', () => {
    const decoded = decode('pojo_shared_ref', 'sofa');
    expect(encodeJavaValues([decoded], { dialect: 'legacy' })).toEqual(bin('pojo_shared_ref', 'sofa'));
  });
});
