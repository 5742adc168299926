/**
 * JSON <-> JavaValue properties (bounded runs): typed JSON reads back to the same value
 * without a schema, plain JSON never throws anything but MeshError, and random JSON
 * against random declared types is either converted or refused with a MeshError.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { ClassPolicy } from '../../../src/bridge/class-policy.js';
import { MeshError } from '../../../src/core/errors.js';
import { fromJson } from '../../../src/bridge/values-json.js';
import { stringifyJson, toJson } from '../../../src/bridge/values-to-json.js';
import { javaEquals } from '../../../src/bridge/values.js';
import { javaValueArbitrary } from '../../support/java-value-arbitrary.js';

const policy = new ClassPolicy({ allow: ['com.example.'] });
const show = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? [...x] : x));

describe('JSON <-> values', () => {
  test.prop([javaValueArbitrary({ allKinds: true })], { numRuns: 500 })('typed JSON reads back exactly', (value) => {
    const text = stringifyJson(toJson(value, { style: 'typed' }));
    const back = fromJson(JSON.parse(text), undefined, { policy });
    expect(javaEquals(back, value), `${text}\n${show(back)}`).toBe(true);
  });

  test.prop([javaValueArbitrary({ allKinds: true })], { numRuns: 300 })('plain JSON is valid JSON text', (value) => {
    const text = stringifyJson(toJson(value, { bigLongs: 'number' }));
    expect(() => JSON.parse(text)).not.toThrow();
  });

  const types = fc.constantFrom(
    undefined, 'int', 'long', 'short', 'double', 'float', 'char', 'boolean', 'String', 'java.util.Date', 'java.math.BigDecimal', 'byte[]',
    'java.util.List<Long>', 'java.util.Map<Long,String>', 'int[]', 'com.example.Unknown', 'java.util.Set<java.util.Date>',
  );
  test.prop([fc.jsonValue({ maxDepth: 4 }), types], { numRuns: 1000 })('any JSON against any type: a value or a MeshError', (json, type) => {
    try {
      fromJson(json, type, { policy });
    } catch (error) {
      if (!MeshError.is(error)) throw error;
    }
  });
});
