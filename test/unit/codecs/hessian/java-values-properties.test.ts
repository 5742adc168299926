/**
 * Properties of the Hessian adapter (bounded runs): any JavaValue survives our writer
 * and the HessianReader in both dialects (up to what Hessian cannot say without a
 * declared type, see untyped()), and garbage or mutated bytes never throw anything
 * but MeshError.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { decodeJavaValues, encodeJavaValues } from '../../../../src/codecs/hessian/java-values.js';
import { MeshError } from '../../../../src/core/errors.js';
import { javaEquals, type JavaValue } from '../../../../src/bridge/values.js';
import { javaValueArbitrary, untyped } from '../../../support/java-value-arbitrary.js';

const show = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? [...x] : x));
const values = javaValueArbitrary({ allKinds: true });

function onlyMeshErrors(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (!MeshError.is(error)) throw error;
  }
}

describe('values <-> Hessian', () => {
  for (const dialect of ['final', 'legacy'] as const) {
    test.prop([fc.array(values, { minLength: 1, maxLength: 3 })], { numRuns: 300 })(`${dialect}: consecutive values read back`, (list) => {
      const bytes = encodeJavaValues(list, { dialect, floatFieldsFirst: false });
      const back = decodeJavaValues(bytes, dialect, list.map(() => undefined));
      const expected = list.map((v) => untyped(v, dialect));
      back.forEach((v, i) => expect(javaEquals(v, expected[i] as JavaValue), `${show(v)}\n!=\n${show(expected[i])}`).toBe(true));
    });

    test.prop([fc.uint8Array({ maxLength: 200 })], { numRuns: 500 })(`${dialect}: garbage never throws anything but MeshError`, (bytes) => {
      onlyMeshErrors(() => decodeJavaValues(Buffer.from(bytes), dialect, [undefined, 'long', 'java.util.List<String>']));
    });

    test.prop([values, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })], { numRuns: 300 })(
      `${dialect}: mutated encodings never throw anything but MeshError`,
      (value, edits) => {
        const bytes = Buffer.from(encodeJavaValues([value], { dialect }));
        for (const [at, byte] of edits) if (bytes.length > 0) bytes[at % bytes.length] = byte;
        onlyMeshErrors(() => decodeJavaValues(bytes, dialect, [undefined]));
        onlyMeshErrors(() => decodeJavaValues(bytes.subarray(0, bytes.length - 1), dialect, [undefined]));
      },
    );
  }
});
