/**
 * The status table both ways, local replies (what a Java consumer will read), and
 * the codec's housekeeping: sniffing, kinds, ids beyond 2^53, oneway requests.
 */
import { describe, expect, it } from 'vitest';
import { Code, MeshError, REASONS, type Reason } from '../../../../src/core/index.js';
import {
  codeForStatus,
  dubboCodec,
  errorForStatus,
  readonlyEvent,
  statusForError,
  statusName,
} from '../../../../src/codecs/dubbo/index.js';
import { decodeOne, golden, hessianValues } from './helpers.js';

const STATUSES: Array<[number, string, Code]> = [
  [20, 'OK', Code.OK],
  [25, 'SERIALIZATION_ERROR', Code.INTERNAL],
  [30, 'CLIENT_TIMEOUT', Code.DEADLINE_EXCEEDED],
  [31, 'SERVER_TIMEOUT', Code.DEADLINE_EXCEEDED],
  [35, 'CHANNEL_INACTIVE', Code.UNAVAILABLE],
  [40, 'BAD_REQUEST', Code.INVALID_ARGUMENT],
  [50, 'BAD_RESPONSE', Code.UNAVAILABLE],
  [60, 'SERVICE_NOT_FOUND', Code.NOT_FOUND],
  [70, 'SERVICE_ERROR', Code.UNKNOWN],
  [80, 'SERVER_ERROR', Code.INTERNAL],
  [90, 'CLIENT_ERROR', Code.INTERNAL],
  [100, 'SERVER_THREADPOOL_EXHAUSTED_ERROR', Code.RESOURCE_EXHAUSTED],
];

/** Reasons known when this was written; reasons added later must still map to a real non-OK status. */
const REASON_STATUS: Partial<Record<Reason, number>> = {
  PMESH_NO_ROUTE: 60,
  PMESH_NO_CLUSTER: 60,
  PMESH_NO_HEALTHY_ENDPOINT: 80,
  PMESH_UPSTREAM_CONNECT_FAILED: 80,
  PMESH_UPSTREAM_CONNECTION_LOST: 80,
  PMESH_UPSTREAM_TIMEOUT: 31,
  PMESH_DEADLINE_EXCEEDED: 31,
  PMESH_OVERLOADED: 100,
  PMESH_FRAME_TOO_LARGE: 40,
  PMESH_HEADERS_TOO_LARGE: 40,
  PMESH_BODY_TOO_LARGE: 40,
  PMESH_CODEC_ERROR: 40,
  PMESH_BAD_REQUEST: 40,
  PMESH_SERIALIZATION_NOT_ALLOWED: 40,
  PMESH_CLASS_NOT_ALLOWED: 40,
  PMESH_UPSTREAM_BAD_RESPONSE: 50,
  PMESH_DRAINING: 80,
  PMESH_CONFIG_INVALID: 40,
  PMESH_INTERNAL: 80,
};

describe('dubbo status table', () => {
  it.each(STATUSES)('status %i is %s and maps to code %i', (status, name, code) => {
    expect(statusName(status)).toBe(name);
    expect(codeForStatus(status)).toBe(code);
  });

  it('unknown status bytes are UNKNOWN', () => {
    expect(statusName(99)).toBe('STATUS_99');
    expect(codeForStatus(99)).toBe(Code.UNKNOWN);
  });

  it.each(Object.keys(REASONS) as Reason[])('%s answers with the expected status', (reason) => {
    const status = statusForError(new MeshError(reason, 'x'));
    const want = REASON_STATUS[reason];
    if (want !== undefined) expect(status).toBe(want);
    else expect(STATUSES.map(([s]) => s).filter((s) => s !== 20)).toContain(status);
  });

  it('an upstream status becomes a MeshError keeping the message', () => {
    const error = errorForStatus(31, 'provider too slow');
    expect(error.reason).toBe('PMESH_UPSTREAM_TIMEOUT');
    expect(error.message).toBe('dubbo: upstream answered SERVER_TIMEOUT (31): provider too slow');
    expect(errorForStatus(100, 'busy').reason).toBe('PMESH_OVERLOADED');
  });
});

describe('dubbo local replies', () => {
  const request = decodeOne(golden('echo-request'));

  it('answer the request id with the mapped status and a hessian2 message naming the call', () => {
    const reply = dubboCodec.localReply(request, new MeshError('PMESH_NO_ROUTE', 'no route for com.example.EchoService'));
    const bytes = Buffer.concat(dubboCodec.encode(reply));
    expect(bytes.subarray(0, 4).toString('hex')).toBe('dabb023c'); // response, hessian2, status 60
    expect(bytes.subarray(4, 12)).toEqual(golden('echo-request').subarray(4, 12));
    expect(bytes.readUInt32BE(12)).toBe(bytes.length - 16);
    const text = 'polyglot-mesh: com.example.EchoService:1.0.0#echo failed: no route for com.example.EchoService [PMESH_NO_ROUTE]';
    expect(hessianValues(bytes.subarray(16), 1)).toEqual([text]);
    const result = dubboCodec.toResult(decodeOne(bytes));
    expect(result).toMatchObject({ status: 'error', protocolStatus: 60, message: text });
  });

  it('use SERVER_TIMEOUT for spent deadlines and name the group when there is one', () => {
    const reply = dubboCodec.localReply(request, new MeshError('PMESH_DEADLINE_EXCEEDED', 'deadline of 5000 ms spent'));
    expect(reply.header[3]).toBe(31);
    const grouped = decodeOne(golden('generic-request'));
    const text = dubboCodec.toResult(dubboCodec.localReply(grouped, new MeshError('PMESH_OVERLOADED', 'busy'))).message;
    expect(text).toBe('polyglot-mesh: com.example.EchoService:1.0.0#$invoke failed: busy [PMESH_OVERLOADED]');
  });

  it('still answer a request whose body cannot be read', () => {
    const bad = decodeOne(golden('badrequest-request'));
    const text = dubboCodec.toResult(dubboCodec.localReply(bad, new MeshError('PMESH_CODEC_ERROR', 'hessian: unexpected byte code 0x40'))).message;
    expect(text).toBe('polyglot-mesh: an unreadable request failed: hessian: unexpected byte code 0x40 [PMESH_CODEC_ERROR]');
  });

  it('cap very long messages', () => {
    const reply = dubboCodec.localReply(request, new MeshError('PMESH_INTERNAL', 'x'.repeat(100_000)));
    expect(dubboCodec.toResult(reply).message).toHaveLength(4096);
  });
});

describe('dubbo housekeeping', () => {
  it('sniffs the magic', () => {
    expect(dubboCodec.match(Buffer.alloc(0))).toBe('need-more');
    expect(dubboCodec.match(Buffer.from([0xda]))).toBe('need-more');
    expect(dubboCodec.match(Buffer.from([0xda, 0xbb]))).toBe('yes');
    expect(dubboCodec.match(Buffer.from([0xda, 0xbc]))).toBe('no');
    expect(dubboCodec.match(Buffer.from('GET / HTTP/1.1'))).toBe('no');
    expect(dubboCodec.name).toBe('dubbo');
  });

  it('keeps 64-bit ids exact, negative ones included: numbers while safe, bigints beyond', () => {
    const frame = decodeOne(golden('readonly-event'));
    expect(BigInt(dubboCodec.requestId(frame))).toBe(golden('readonly-event').readBigInt64BE(4));
    for (const id of [0, 1, 0x7fffffff, 2 ** 32, 2 ** 53 - 1, -1, -(2 ** 31), -(2 ** 53 - 1)]) {
      const moved = dubboCodec.withRequestId(frame, id);
      expect(dubboCodec.requestId(moved)).toBe(id);
      expect(moved.header.readBigInt64BE(4)).toBe(BigInt(id));
    }
    // Java Dubbo 3 starts its counter at a random long: 324588627618640553 came from a 3.3.6 consumer.
    for (const id of [2n ** 53n, 2n ** 53n + 1n, 324588627618640553n, 2n ** 63n - 1n, -(2n ** 63n), -(2n ** 53n) - 1n]) {
      const moved = dubboCodec.withRequestId(frame, id);
      expect(dubboCodec.requestId(moved)).toBe(id);
      expect(moved.header.readBigInt64BE(4)).toBe(id);
    }
    expect(dubboCodec.requestId(dubboCodec.withRequestId(frame, 2n ** 64n - 1n))).toBe(-1);
  });

  it('answers a caller under its own 64-bit id, whatever its value', () => {
    const reply = decodeOne(golden('echo-response'));
    const request = decodeOne(golden('echo-request'));
    for (const id of [2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n), -1n, 0x0123456789abcdefn]) {
      const header = Buffer.from(request.header);
      header.writeBigInt64BE(id, 4);
      const out = Buffer.concat(dubboCodec.encodeReply!(reply, { ...request, header }));
      expect(out.readBigInt64BE(4)).toBe(id);
      expect(Buffer.concat([out.subarray(0, 4), out.subarray(12)])).toEqual(Buffer.concat([golden('echo-response').subarray(0, 4), golden('echo-response').subarray(12)]));
    }
  });

  it('builds the readonly event the Java provider sends', () => {
    const java = golden('readonly-event');
    expect(Buffer.concat(dubboCodec.encode(readonlyEvent(java.readBigInt64BE(4))))).toEqual(java);
  });

  it('sees oneway requests', () => {
    const bytes = Buffer.from(golden('echo-request'));
    bytes[2] = 0x82;
    const frame = decodeOne(bytes);
    expect(dubboCodec.kind(frame)).toBe('oneway');
    expect(dubboCodec.toInvocation(frame).oneway).toBe(true);
  });

  it('leaves responses and events alone in withTimeout, and requests without a timeout get one', () => {
    const response = decodeOne(golden('echo-response'));
    expect(dubboCodec.withTimeout(response, 5)).toBe(response);
    const ping = decodeOne(golden('heartbeat-request'));
    expect(dubboCodec.withTimeout(ping, 5)).toBe(ping);
  });
});
