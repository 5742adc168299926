/**
 * The bridge's SofaRequest writer against requests captured from the Java SOFARPC
 * 5.13.2 client. Each golden is read with our reader, its fields written again, and
 * the bytes before the arguments must equal the captured ones exactly.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { boltCodec, frameContent } from '../../../../src/codecs/bolt/index.js';
import type { HessianValue } from '../../../../src/codecs/hessian/index.js';
import { decodeSofaRequestHead } from '../../../../src/codecs/bolt/sofa-body.js';
import { encodeSofaRequest, type PropValue } from '../../../../src/codecs/bolt/sofa-body-out.js';
import { DEFAULT_LIMITS } from '../../../../src/core/index.js';

const GOLDEN = join(import.meta.dirname, '../../../golden/bolt');

function props(value: Map<HessianValue, HessianValue>): Array<[string, PropValue]> {
  return [...value].map(([k, v]) => [String(k), v instanceof Map ? props(v) : String(v)]);
}

const CASES = ['v1-echo-request', 'v1-add-request', 'v1-addlong-request', 'v1-pojo-request', 'v1-exception-request', 'v2-ver1-echo-request'];

describe('encodeSofaRequest writes what Java SOFARPC writes', () => {
  it.each(CASES)('%s', (name) => {
    const frame = boltCodec.newDecoder(DEFAULT_LIMITS).push(readFileSync(join(GOLDEN, `${name}.bin`)))[0]!;
    const content = frameContent(frame);
    const head = decodeSofaRequestHead(content);
    expect(head.dialect).toBe('legacy');
    const prefix = encodeSofaRequest(
      {
        targetAppName: head.targetAppName,
        methodName: head.methodName,
        targetServiceUniqueName: head.targetServiceUniqueName,
        requestProps: head.requestProps === null ? null : props(head.requestProps),
        methodArgSigs: head.methodArgSigs,
        args: Buffer.alloc(0),
      });
    expect(content.subarray(0, prefix.length).toString('hex')).toBe(prefix.toString('hex'));
    expect(prefix.length).toBeLessThan(content.length); // the arguments follow
  });
});
