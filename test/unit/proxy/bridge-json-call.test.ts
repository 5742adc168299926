/**
 * The bridge's JSON call (src/proxy/bridge-json-call.ts): the body it sends is the
 * caller's JSON arguments in the form the target plug-in declares (`argumentsAs`):
 * always the array, or a lone argument bare (Triple: Dubbo 3.3 reads a one-parameter
 * method's body as that parameter, and a protobuf message only so).
 */
import { describe, expect, it } from 'vitest';
import { Cancel, createRootLogger, NOOP_METRICS, type Invocation, type JsonCallCodec } from '../../../src/core/index.js';
import { jsonBytesResult } from '../../../src/proxy/bridge-answer.js';
import { bridgeJsonCall, type JsonCallOptions } from '../../../src/proxy/bridge-json-call.js';
import type { CallContext, Handler } from '../../../src/proxy/filter.js';

function codec(argumentsAs: JsonCallCodec['argumentsAs']): JsonCallCodec {
  return { argumentsAs, requestHead: () => ({}), reply: (_status, text) => ({ kind: 'value', json: text }) };
}

/** The body that goes upstream for a caller's JSON `args`. */
async function sent(args: string, argumentsAs: JsonCallCodec['argumentsAs']): Promise<string> {
  let body = '';
  const next: Handler = async (invocation) => {
    if (invocation.body.kind === 'raw') body = invocation.body.bytes.toString('utf8');
    return jsonBytesResult(200, 'ok', Buffer.from('null'));
  };
  const invocation: Invocation = {
    protocol: 'test',
    service: { interface: 'com.example.Greeter' },
    method: 'greet',
    attachments: { 'content-type': 'application/json' },
    oneway: false,
    body: { kind: 'raw', serialization: 0, bytes: Buffer.from(args) },
  };
  const ctx: CallContext = { listener: 'l', startedAt: performance.now(), log: createRootLogger('silent'), cancel: new Cancel() };
  const options: JsonCallOptions = { body: { maxBytes: 1 << 20, maxValues: 1_000, maxDepth: 64 }, maxFrameBytes: 1 << 20, signatures: () => undefined };
  await bridgeJsonCall(invocation, ctx, next, { protocol: 'test', codec: codec(argumentsAs) }, options, NOOP_METRICS);
  return body;
}

describe('the bridge JSON call body', () => {
  it("'array': the caller's arguments as one JSON array, whatever their number", async () => {
    expect(JSON.parse(await sent('["bob"]', 'array'))).toEqual(['bob']);
    expect(JSON.parse(await sent('[1, 2]', 'array'))).toEqual([1, 2]);
  });

  it("'bare-when-one': a lone argument as itself (a message, a string, a list), other counts as the array", async () => {
    expect(JSON.parse(await sent('[{"name": "ann", "langs": ["ts"]}]', 'bare-when-one'))).toEqual({ name: 'ann', langs: ['ts'] });
    expect(JSON.parse(await sent('["bob"]', 'bare-when-one'))).toBe('bob');
    expect(JSON.parse(await sent('[[1, 2]]', 'bare-when-one'))).toEqual([1, 2]);
    expect(JSON.parse(await sent('[null]', 'bare-when-one'))).toBeNull();
    expect(JSON.parse(await sent('[1, 2]', 'bare-when-one'))).toEqual([1, 2]);
    expect(JSON.parse(await sent('[]', 'bare-when-one'))).toEqual([]);
  });
});
