/**
 * The request head and attachments are kept by their bytes (codecs/dubbo/bytes-memo.ts):
 * a call that repeats them gets what reading them gives, at its own offsets, and a map
 * whose reading depends on what the arguments defined is never taken from a call whose
 * arguments defined something else.
 */
import { describe, expect, it } from 'vitest';
import { dubboCodec, readRequestHead } from '../../../../src/codecs/dubbo/index.js';
import { parseRequestBody } from '../../../../src/codecs/dubbo/body.js';
import { hessianString } from '../../../../src/codecs/hessian/byte-sink.js';
import { decodeOne, frameBytes, golden, hessianValues } from './helpers.js';

const REQUEST_FLAG = 0xc2;
const HEAD_END = 0x3c; // golden echo-request: the five head strings end here, then the argument "hello"

/** The golden echo request with its argument replaced (same head bytes, same attachments bytes). */
function echoWith(arg: string): Buffer {
  const body = golden('echo-request').subarray(16);
  const old = hessianString('hello');
  expect(body.subarray(HEAD_END, HEAD_END + old.length).equals(old)).toBe(true);
  return frameBytes(REQUEST_FLAG, Buffer.concat([body.subarray(0, HEAD_END), hessianString(arg), body.subarray(HEAD_END + old.length)]));
}

describe('Dubbo request head kept by its bytes', () => {
  it('calls that share head and attachments but not argument lengths get their own offsets', () => {
    const short = decodeOne(echoWith('a'));
    const long = decodeOne(echoWith('x'.repeat(1024)));
    const a = readRequestHead(short);
    const b = readRequestHead(long);
    expect(b.method).toBe('echo');
    expect(b.argTypes).toBe(a.argTypes);
    expect(b.attachments).toBe(a.attachments);
    expect(b.argsEnd - a.argsEnd).toBe(hessianString('x'.repeat(1024)).length - hessianString('a').length);
    expect(b.timeoutEntry!.start - a.timeoutEntry!.start).toBe(b.argsEnd - a.argsEnd);
    expect(b.mapEnd - a.mapEnd).toBe(b.argsEnd - a.argsEnd);
    // The deadline rewrite of the second call lands on its own `timeout` entry.
    const rewritten = dubboCodec.withTimeout(long, 1234);
    const values = hessianValues(rewritten.body, 7);
    expect(values[5]).toBe('x'.repeat(1024));
    expect(values[6]).toMatchObject({ timeout: '1234', interface: 'com.example.EchoService' });
  });

  it('a map whose value refers to a class the arguments defined is refused after arguments that defined none', () => {
    const head = Buffer.concat(['2.0.2', 'com.example.Svc', '', 'm', 'Ljava/lang/Object;'].map((s) => hessianString(s)));
    // The map's entry k is an object of class definition 0, with one field.
    const map = Buffer.concat([Buffer.from([0x48]), hessianString('k'), Buffer.from([0x60, 0x92]), hessianString('timeout'), hessianString('5000'), Buffer.from([0x5a])]);
    // Argument: class definition 0 (`P`, one field `x`) and an object of it.
    const defines = Buffer.concat([Buffer.from([0x43]), hessianString('P'), Buffer.from([0x91]), hessianString('x'), Buffer.from([0x60, 0x91])]);
    const plain = hessianString('abcdefg'); // defines nothing
    expect(parseRequestBody(Buffer.concat([head, defines, map]), 64).attachments.get('timeout')).toBe('5000');
    expect(() => parseRequestBody(Buffer.concat([head, plain, map]), 64)).toThrow(/undefined class definition 0/);
  });

  it('a head read once is not taken for one of the same shape with other bytes', () => {
    expect(readRequestHead(decodeOne(echoWith('a'))).path).toBe('com.example.EchoService');
    const body = Buffer.from(echoWith('a').subarray(16));
    body[7] = 0xff; // the path's first byte: no UTF-8 lead byte, at the same lengths
    expect(() => parseRequestBody(body, 64)).toThrow(/bad utf-8 lead byte 0xff/);
  });
});
