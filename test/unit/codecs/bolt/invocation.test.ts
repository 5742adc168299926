/** SOFARPC mapping on golden frames: Invocation, Result, status table, local replies. */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import {
  BoltStatus, boltCodec, codeForStatus, createBoltCodec, statusForError, type BoltFrame,
} from '../../../../src/codecs/bolt/index.js';
import { decodeSofaResponse } from '../../../../src/codecs/bolt/sofa-body.js';
import { Code, MeshError } from '../../../../src/core/errors.js';
import { golden } from './goldens.js';

function decodeOne(bytes: Buffer): BoltFrame {
  const [frame] = boltCodec.newDecoder().push(bytes);
  if (!frame) throw new Error('no frame');
  return frame;
}

describe('toInvocation', () => {
  it('Java request: service, method and attachments from the header map, body raw', () => {
    const frame = decodeOne(golden('v1-echo-request'));
    const before = performance.now();
    const inv = boltCodec.toInvocation(frame);
    expect(inv.protocol).toBe('bolt');
    expect(inv.service).toEqual({ interface: 'com.example.EchoService', version: '1.0' });
    expect(inv.method).toBe('echo');
    expect(inv.argTypes).toBeUndefined();
    expect(inv.oneway).toBe(false);
    expect(inv.attachments['protocol']).toBe('bolt');
    expect(inv.attachments['type']).toBe('sync');
    expect(inv.attachments['rpc_trace_context.sofaRpcId']).toBe('0');
    expect(inv.attachments['service']).toBeUndefined();
    expect(inv.deadline).toBeGreaterThanOrEqual(before + 3000);
    expect(inv.deadline).toBeLessThan(performance.now() + 3001);
    // The listener passes when the call began: the deadline counts from there, however long routing took since.
    expect(boltCodec.toInvocation(frame, 1_000).deadline).toBe(4_000);
    expect(inv.body.kind).toBe('raw');
    if (inv.body.kind === 'raw') {
      expect(inv.body.serialization).toBe(1);
      expect(inv.body.bytes.length).toBe(frame.contentLen);
    }
  });

  it('sofa-rpc-node request (service header only): method and arg types from the SofaRequest, both dialects', () => {
    for (const dialect of ['legacy', 'final']) {
      const inv = boltCodec.toInvocation(decodeOne(golden(`node-${dialect}-pojo-request`)));
      expect(inv.service).toEqual({ interface: 'com.example.EchoService', version: '1.0' });
      expect(inv.method).toBe('describe');
      expect(inv.argTypes).toEqual(['com.example.Person']);
    }
  });

  it('uniqueId becomes the group', () => {
    const frame = boltCodec.newDecoder().push(Buffer.concat(boltCodec.encode(decodeOne(golden('v1-echo-request')))))[0];
    expect(frame).toBeDefined();
    const inv = boltCodec.toInvocation({ ...(frame as BoltFrame), headers: new Map([['sofa_head_target_service', 'a.B:2.0:blue'], ['sofa_head_method_name', 'm']]) });
    expect(inv.service).toEqual({ interface: 'a.B', version: '2.0', group: 'blue' });
  });

  it('a heartbeat is not an invocation', () => {
    expect(() => boltCodec.toInvocation(decodeOne(golden('v1-heartbeat-request')))).toThrow('bolt: frame');
  });

  it('kind() for every frame type', () => {
    expect(boltCodec.kind(decodeOne(golden('v1-echo-request')))).toBe('request');
    expect(boltCodec.kind(decodeOne(golden('v1-echo-response')))).toBe('response');
    expect(boltCodec.kind(decodeOne(golden('v1-heartbeat-request')))).toBe('heartbeat');
    expect(boltCodec.kind(decodeOne(golden('v1-heartbeat-response')))).toBe('heartbeat-reply');
    expect(boltCodec.match(golden('v1-echo-request').subarray(0, 2))).toBe('yes');
    expect(boltCodec.match(Buffer.of(0x02, 0x01))).toBe('need-more');
    expect(boltCodec.match(Buffer.from('PRI * HTTP/2.0'))).toBe('no');
    expect(boltCodec.match(Buffer.of(0xda, 0xbb))).toBe('no');
  });
});

describe('toResult', () => {
  it('ok, business exception and SOFARPC error from Java goldens', () => {
    expect(boltCodec.toResult(decodeOne(golden('v1-echo-response')))).toMatchObject({ status: 'ok', protocolStatus: 0 });
    expect(boltCodec.toResult(decodeOne(golden('v1-exception-response')))).toMatchObject({ status: 'exception', protocolStatus: 0 });
    expect(boltCodec.toResult(decodeOne(golden('v1-noservice-response')))).toMatchObject({
      status: 'error',
      protocolStatus: 0,
      message: 'RPC-020100010: RPC cannot find service: [com.example.EchoService:9.9] ',
    });
  });

  it('a non-SUCCESS status names the status and the server exception (sofa-rpc-node)', () => {
    for (const dialect of ['legacy', 'final']) {
      const result = boltCodec.toResult(decodeOne(golden(`node-${dialect}-exception-response`)));
      expect(result.status).toBe('error');
      expect(result.protocolStatus).toBe(BoltStatus.SERVER_EXCEPTION);
      expect(result.message).toMatch(/^upstream answered Bolt status SERVER_EXCEPTION \(0x0002\): com\.alipay\.remoting\.rpc\.exception\.RpcServerException: .*boom/);
    }
  });
});

describe('status table', () => {
  it('maps both ways', () => {
    expect(codeForStatus(BoltStatus.TIMEOUT)).toBe(Code.DEADLINE_EXCEEDED);
    expect(codeForStatus(BoltStatus.SERVER_THREADPOOL_BUSY)).toBe(Code.RESOURCE_EXHAUSTED);
    expect(codeForStatus(BoltStatus.CONNECTION_CLOSED)).toBe(Code.UNAVAILABLE);
    expect(codeForStatus(BoltStatus.SUCCESS)).toBe(Code.OK);
    expect(statusForError(new MeshError('PMESH_UPSTREAM_TIMEOUT', 'x'))).toBe(BoltStatus.TIMEOUT);
    expect(statusForError(new MeshError('PMESH_NO_ROUTE', 'x'))).toBe(BoltStatus.NO_PROCESSOR);
    expect(statusForError(new MeshError('PMESH_NO_HEALTHY_ENDPOINT', 'x'))).toBe(BoltStatus.CONNECTION_CLOSED);
    expect(statusForError(new MeshError('PMESH_UPSTREAM_CONNECTION_LOST', 'x'))).toBe(BoltStatus.CONNECTION_CLOSED);
    expect(statusForError(new MeshError('PMESH_OVERLOADED', 'x'))).toBe(BoltStatus.SERVER_THREADPOOL_BUSY);
    expect(statusForError(new MeshError('PMESH_CODEC_ERROR', 'x'))).toBe(BoltStatus.CODEC_EXCEPTION);
  });
});

describe('localReply', () => {
  const error = new MeshError('PMESH_NO_HEALTHY_ENDPOINT', 'no healthy endpoint in cluster echo');
  const cases = ['v1-echo-request', 'v2-ver2-echo-request', 'v2-ver1-echo-request', 'node-legacy-echo-request', 'node-final-echo-request'];
  for (const name of cases) {
    it(`${name}: a SofaResponse{isError} in the caller's dialect, same id/protocol, decodable by our decoder`, () => {
      const request = decodeOne(golden(name));
      const reply = boltCodec.localReply(request, error);
      const bytes = Buffer.concat(boltCodec.encode(reply));
      const back = decodeOne(bytes);
      expect(back).toMatchObject({ proto: request.proto, ver1: request.ver1, type: 0, cmdCode: 2, requestId: request.requestId, status: 0, codec: 1 });
      expect(back.className).toBe('com.alipay.sofa.rpc.core.response.SofaResponse');
      expect(back.headers.get('sofa_head_response_error')).toBe('true');
      expect(back.headers.get('pmesh_reason')).toBe('PMESH_NO_HEALTHY_ENDPOINT');
      const body = boltCodec.decodeResponseBody(back);
      expect(body.dialect).toBe(name.includes('final') ? 'final' : 'legacy');
      expect(body.isError).toBe(true);
      expect(body.errorMsg).toBe('[polyglot-mesh] com.example.EchoService:1.0#echo: no healthy endpoint in cluster echo (PMESH_NO_HEALTHY_ENDPOINT)');
      expect(boltCodec.toResult(back)).toMatchObject({ status: 'error', message: body.errorMsg });
    });
  }

  it('the final-dialect reply is readable by hessian.js 2.11 too', () => {
    const hessian = createRequire(import.meta.url)('hessian.js') as { decode(buf: Buffer, version: string): Record<string, unknown> };
    const reply = boltCodec.localReply(decodeOne(golden('node-final-echo-request')), error);
    const decoded = hessian.decode(Buffer.concat(boltCodec.encode(reply)).subarray(20 + reply.classLen + reply.headerLen), '2.0');
    expect(decoded['isError']).toBe(true);
    expect(decoded['errorMsg']).toMatch(/no healthy endpoint/);
  });

  it("'bolt' reply mode puts the mapped status on the wire", () => {
    const codec = createBoltCodec({ replyStatus: 'bolt' });
    const reply = codec.localReply(decodeOne(golden('v1-echo-request')), new MeshError('PMESH_UPSTREAM_TIMEOUT', 'upstream took too long'));
    expect(reply.status).toBe(BoltStatus.TIMEOUT);
    expect(decodeSofaResponse(reply.rest.subarray(reply.classLen + reply.headerLen)).isError).toBe(true);
  });
});
