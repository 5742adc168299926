/**
 * Golden frames captured from real Apache Dubbo 3.3.6 peers (test/golden/dubbo/README.md):
 * decoded and compared field by field, re-encoded byte for byte, also after
 * withRequestId and withTimeout. Argument and result bytes are checked with hessian.js
 * (an independent reader), proving the scanner skipped exactly one value per argument.
 */
import { describe, expect, it } from 'vitest';
import { dubboCodec, readRequestHead, isReadonlyEvent, type DubboFrame } from '../../../../src/codecs/dubbo/index.js';
import { concat, decodeOne, golden, goldenNames, hessianValues } from './helpers.js';

const ECHO = 'com.example.EchoService';
const JAVA_ATTACHMENTS = { path: ECHO, 'remote.application': 'pmesh-dubbo-golden', interface: ECHO, version: '1.0.0', timeout: '5000' };

interface RequestCase {
  method: string;
  argTypes: string[];
  args: unknown[];
  version?: string;
  attachments?: Record<string, string>;
}

const REQUESTS: Record<string, RequestCase> = {
  echo: { method: 'echo', argTypes: ['java.lang.String'], args: ['hello'] },
  add: { method: 'add', argTypes: ['int', 'int'], args: [2, 40] },
  // hessian.js gives longs beyond 2^53-1 as strings; scan.test.ts checks the exact bigint.
  addlong: { method: 'addLong', argTypes: ['long', 'long'], args: ['9007199254740992', 1] },
  greet: {
    method: 'greet',
    argTypes: ['com.example.Person'],
    args: [{ name: 'Ada', age: 36, id: 2 ** 40, tags: ['math', 'engines'] }],
  },
  mixed: {
    method: 'mixed',
    argTypes: ['boolean', 'double', '[B', 'java.util.Date', 'java.util.List', 'java.util.Map'],
    args: [true, 1.5, Buffer.from([1, 2, 3, 255]), new Date(1700000000000), ['x', 'y'], { a: 1, b: 70000 }],
  },
  'echo-long': { method: 'echo', argTypes: ['java.lang.String'], args: ['a'.repeat(32767) + '\u{1F600}' + '\u00e9'.repeat(10000)] },
  nothing: { method: 'nothing', argTypes: [], args: [] },
  fail: { method: 'fail', argTypes: ['java.lang.String'], args: ['boom'] },
  generic: {
    method: '$invoke',
    argTypes: ['java.lang.String', '[Ljava.lang.String;', '[Ljava.lang.Object;'],
    args: ['echo', ['java.lang.String'], ['generic hi']],
    attachments: { ...JAVA_ATTACHMENTS, generic: 'true' },
  },
  'generic-greet': {
    method: '$invoke',
    argTypes: ['java.lang.String', '[Ljava.lang.String;', '[Ljava.lang.Object;'],
    args: ['greet', ['com.example.Person'], [{ name: 'Grace', age: 45 }]],
    attachments: { ...JAVA_ATTACHMENTS, generic: 'true' },
  },
  notfound: { method: 'echo', argTypes: ['java.lang.String'], args: ['nobody'], version: '9.9.9', attachments: { ...JAVA_ATTACHMENTS, version: '9.9.9' } },
};

interface ResponseCase {
  status: 'ok' | 'exception' | 'error';
  protocolStatus: number;
  /** Value read by hessian.js from the raw result body; undefined for null (empty body). */
  value?: unknown;
  attachments: Record<string, string>;
  message?: string;
}

const WITH_DUBBO = { dubbo: '2.0.2' };
const DECODE_FAILED = 'Fail to decode request due to: RpcInvocation [methodName=echo, parameterTypes=null]';

const RESPONSES: Record<string, ResponseCase> = {
  echo: { status: 'ok', protocolStatus: 20, value: 'hello', attachments: WITH_DUBBO },
  add: { status: 'ok', protocolStatus: 20, value: 42, attachments: WITH_DUBBO },
  addlong: { status: 'ok', protocolStatus: 20, value: '9007199254740993', attachments: WITH_DUBBO },
  greet: { status: 'ok', protocolStatus: 20, value: { name: 'Hello Ada', age: 37, id: 2 ** 40, tags: ['math', 'engines', 'greeted'] }, attachments: WITH_DUBBO },
  nothing: { status: 'ok', protocolStatus: 20, attachments: WITH_DUBBO },
  'nothing-v200': { status: 'ok', protocolStatus: 20, attachments: {} },
  'echo-v200': { status: 'ok', protocolStatus: 20, value: 'hello', attachments: {} },
  fail: { status: 'exception', protocolStatus: 20, attachments: WITH_DUBBO },
  'fail-v200': { status: 'exception', protocolStatus: 20, attachments: {} },
  generic: { status: 'ok', protocolStatus: 20, value: 'generic hi', attachments: WITH_DUBBO },
  notfound: { status: 'error', protocolStatus: 40, attachments: {}, message: DECODE_FAILED },
  badrequest: { status: 'error', protocolStatus: 40, attachments: {}, message: DECODE_FAILED },
};

const rawBytes = (body: { kind: string; bytes?: Buffer }): Buffer => {
  if (body.kind !== 'raw' || !body.bytes) throw new Error(`expected a raw body, got ${body.kind}`);
  return body.bytes;
};

describe('dubbo golden frames from Apache Dubbo 3.3.6', () => {
  it('has every expected golden file', () => {
    const names = goldenNames();
    for (const name of Object.keys(REQUESTS)) expect(names).toContain(`${name}-request`);
    for (const name of Object.keys(RESPONSES)) expect(names).toContain(`${name}-response`);
    expect(names).toEqual(expect.arrayContaining(['heartbeat-request', 'heartbeat-response', 'readonly-event']));
  });

  it.each(goldenNames())('%s: decodes to one frame and re-encodes byte for byte', (name) => {
    const bytes = golden(name);
    const frame = decodeOne(bytes);
    expect(concat(dubboCodec.encode(frame))).toEqual(bytes);
    const moved = dubboCodec.withRequestId(frame, 0x0123456789abcdefn);
    const out = concat(dubboCodec.encode(moved));
    expect(dubboCodec.requestId(moved)).toBe(0x0123456789abcdefn);
    expect(out.subarray(4, 12).toString('hex')).toBe('0123456789abcdef');
    expect(Buffer.concat([out.subarray(0, 4), out.subarray(12)])).toEqual(Buffer.concat([bytes.subarray(0, 4), bytes.subarray(12)]));
    expect(concat(dubboCodec.encode(frame))).toEqual(bytes); // the original is untouched
  });

  describe.each(Object.entries(REQUESTS))('%s-request', (name, want) => {
    const bytes = golden(`${name}-request`);
    const frame = decodeOne(bytes);

    it('maps to the Invocation field by field, arguments left raw', () => {
      expect(dubboCodec.kind(frame)).toBe('request');
      expect(BigInt(dubboCodec.requestId(frame))).toBe(bytes.readBigInt64BE(4));
      const before = performance.now();
      const inv = dubboCodec.toInvocation(frame);
      expect(inv.protocol).toBe('dubbo');
      expect(inv.service).toEqual({ interface: ECHO, version: want.version ?? '1.0.0', group: undefined });
      expect(inv.method).toBe(want.method);
      expect(inv.argTypes).toEqual(want.argTypes);
      expect(inv.attachments).toEqual(want.attachments ?? JAVA_ATTACHMENTS);
      expect(inv.oneway).toBe(false);
      expect(inv.deadline).toBeGreaterThanOrEqual(before + 5000);
      expect(inv.deadline).toBeLessThanOrEqual(performance.now() + 5000);
      expect(dubboCodec.toInvocation(frame, 1_000).deadline).toBe(6_000);
      if (want.args.length === 0) expect(inv.body.kind).toBe('empty');
      else expect(hessianValues(rawBytes(inv.body), want.args.length)).toEqual(want.args);
      const head = readRequestHead(frame);
      expect(head.dubboVersion).toBe('2.0.2');
      expect(head.path).toBe(ECHO);
    });

    it('withTimeout rewrites only the attachments tail', () => {
      const inv = dubboCodec.toInvocation(frame);
      const rewritten = dubboCodec.withTimeout(frame, 1234.7);
      const out = concat(dubboCodec.encode(rewritten));
      expect(out.readUInt32BE(12)).toBe(out.length - 16);
      expect(out.subarray(0, 12)).toEqual(bytes.subarray(0, 12));
      const again = decodeOne(out);
      const inv2 = dubboCodec.toInvocation(again);
      expect(inv2.attachments).toEqual({ ...inv.attachments, timeout: '1234' });
      expect(inv2.body.kind === 'raw' && inv2.body.bytes).toEqual(inv.body.kind === 'raw' && inv.body.bytes); // argument bytes identical
      const head = readRequestHead(frame);
      expect(out.subarray(16, 16 + head.argsEnd)).toEqual(bytes.subarray(16, 16 + head.argsEnd));
      // Java's own reader (hessian.js here) sees the same map with the new value.
      const values = hessianValues(again.body, 5 + want.args.length + 1);
      expect(values.at(-1)).toEqual({ ...inv.attachments, timeout: '1234' });
      // Re-encoding the rewritten frame, with a new id, is stable.
      expect(concat(dubboCodec.encode(dubboCodec.withRequestId(rewritten, 7))).subarray(12)).toEqual(out.subarray(12));
    });
  });

  describe.each(Object.entries(RESPONSES))('%s-response', (name, want) => {
    const bytes = golden(`${name}-response`);
    const frame = decodeOne(bytes);

    it('maps to the Result field by field', () => {
      expect(dubboCodec.kind(frame)).toBe('response');
      const result = dubboCodec.toResult(frame);
      expect(result.status).toBe(want.status);
      expect(result.protocolStatus).toBe(want.protocolStatus);
      expect(result.attachments).toEqual(want.attachments);
      expect(result.message).toBe(want.message);
      if (want.status === 'ok') {
        if (want.value === undefined) expect(result.body.kind).toBe('empty');
        else expect(hessianValues(rawBytes(result.body), 1)[0]).toEqual(want.value);
      }
      if (want.status === 'exception') {
        const thrown = hessianValues(rawBytes(result.body), 1)[0] as { message?: string; name?: string };
        expect(String(thrown.message ?? '')).toContain('fail: boom');
      }
    });

    it('answers the request with the same id', () => {
      const request = golden(`${name}-request`);
      expect(bytes.subarray(4, 12)).toEqual(request.subarray(4, 12));
    });
  });

  it('heartbeat request, reply and the readonly event match the Java peers byte for byte', () => {
    const ping = decodeOne(golden('heartbeat-request'));
    expect(dubboCodec.kind(ping)).toBe('heartbeat');
    expect(concat(dubboCodec.encode(dubboCodec.heartbeat(Number(dubboCodec.requestId(ping)))))).toEqual(golden('heartbeat-request'));
    expect(concat(dubboCodec.encode(dubboCodec.heartbeatReply(ping)))).toEqual(golden('heartbeat-response'));
    const pong = decodeOne(golden('heartbeat-response'));
    expect(dubboCodec.kind(pong)).toBe('heartbeat-reply');
    const readonly: DubboFrame = decodeOne(golden('readonly-event'));
    expect(dubboCodec.kind(readonly)).toBe('control');
    expect(isReadonlyEvent(readonly)).toBe(true);
  });
});
