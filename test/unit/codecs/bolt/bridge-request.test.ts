/**
 * The SOFARPC bridge request: the SofaRequest is written once per method and kept with
 * the stream's tables after it, and each call's arguments continue that stream. The bytes
 * must be those of one writer writing the SofaRequest and the arguments together (what
 * the bridge wrote before the head was kept), in both dialects, on a first call and on
 * later ones; argument bytes themselves are checked against Java's in the golden tests.
 */
import { describe, expect, it } from 'vitest';
import { boltCodec, frameContent, type BoltFrame } from '../../../../src/codecs/bolt/index.js';
import { requestFrame } from '../../../../src/codecs/bolt/build.js';
import { SOFA_REQUEST_CLASS } from '../../../../src/codecs/bolt/sofa-body.js';
import { encodeJavaValues } from '../../../../src/codecs/hessian/java-values.js';
import { javaTypeName, parseJavaType } from '../../../../src/bridge/java-types.js';
import { jv, type BridgeCall, type JavaValue } from '../../../../src/bridge/index.js';

const SERVICE = { interface: 'com.example.EchoService', version: '1.0' };

function person(name: string): JavaValue {
  return jv.object('com.example.Person', [['name', jv.string(name)], ['tags', jv.list([jv.string('a'), jv.string('b')])], ['id', jv.long(1n << 40n)]]);
}

/** The SofaRequest the bridge writes (four fields: see bolt/bridge.ts). */
function sofaRequest(call: BridgeCall): JavaValue {
  return jv.object(SOFA_REQUEST_CLASS, [
    ['methodName', jv.string(call.method)],
    ['targetServiceUniqueName', jv.string('com.example.EchoService:1.0')],
    ['requestProps', jv.map([[jv.string('protocol'), jv.string('bolt')], [jv.string('type'), jv.string('sync')]])],
    ['methodArgSigs', jv.array('java.lang.String', call.paramTypes.map((type) => jv.string(javaTypeName(type))))],
  ]);
}

describe('SOFARPC bridge request', () => {
  const paramTypes = ['com.example.Person', 'java.util.List', 'long', 'java.lang.String'].map((name) => parseJavaType(name));
  for (const hessian of ['legacy', 'final'] as const) {
    it(`${hessian}: a kept SofaRequest and the arguments read as one stream would have written them, on every call`, () => {
      for (const round of [1, 2, 3]) {
        const args = [person(`Ada ${round}`), jv.list([person('Grace'), jv.bytes(new Uint8Array(40).fill(round))]), jv.long(BigInt(round)), jv.string('x'.repeat(100 * round))];
        const call: BridgeCall = { service: SERVICE, method: 'find', paramTypes, args, attachments: {}, timeoutMs: 1000, hessian };
        const frame = boltCodec.bridge!.request(call, 7n) as BoltFrame;
        expect(frameContent(frame).toString('hex')).toBe(encodeJavaValues([sofaRequest(call), ...args], { dialect: hessian }).toString('hex'));
      }
    });

    it(`${hessian}: strings, numbers, booleans and nulls written without a writer are the bytes one writer writes`, () => {
      const types = ['java.lang.String', 'long', 'int', 'boolean', 'java.lang.String', 'char'].map((name) => parseJavaType(name));
      for (const round of [1, 2]) {
        const args = [jv.string('x'.repeat(40 * round) + '\u00e9\u{1F600}'), jv.long(-(1n << BigInt(20 * round))), jv.int(70000 * round), jv.boolean(round === 1), null, jv.char('c')];
        const call: BridgeCall = { service: SERVICE, method: 'plain', paramTypes: types, args, attachments: {}, timeoutMs: 1000, hessian };
        const frame = boltCodec.bridge!.request(call, 7n) as BoltFrame;
        expect(frameContent(frame).toString('hex')).toBe(encodeJavaValues([sofaRequest(call), ...args], { dialect: hessian }).toString('hex'));
      }
    });
  }

  it('the frame around them is the one the codec builds for that content, id and timeout, on every call', () => {
    const types = [parseJavaType('java.lang.String')];
    for (const [id, timeoutMs, text] of [[7n, 1000, 'first'], [0x1_0000_0005n, 3, 'x'.repeat(300)], [-2n, 15_000.7, '']] as const) {
      const call: BridgeCall = { service: SERVICE, method: 'echo', paramTypes: types, args: [jv.string(text)], attachments: {}, timeoutMs };
      const frame = boltCodec.bridge!.request(call, id) as BoltFrame;
      const expected = requestFrame(
        { requestId: Number(BigInt.asIntN(32, id)), service: 'com.example.EchoService:1.0', method: 'echo', timeoutMs: Math.floor(timeoutMs) },
        frameContent(frame),
      );
      expect(Buffer.concat(boltCodec.encode(frame)).toString('hex')).toBe(Buffer.concat(boltCodec.encode(expected)).toString('hex'));
      expect({ id: frame.requestId, timeout: frame.timeout, contentLen: frame.contentLen, headers: [...frame.headers] }).toEqual({
        id: expected.requestId,
        timeout: expected.timeout,
        contentLen: expected.contentLen,
        headers: [...expected.headers],
      });
    }
  });
});
