/**
 * What the RPC load generator needs from a protocol: a request frame carrying a given
 * id, and a per-connection reader turning reply bytes into (id, ok or why not).
 * Framing uses the project's own decoders. The first reply is decoded in full and
 * checked to echo the argument; every later reply must be byte-identical to it in
 * its payload (echo replies of the same argument are), which checks each call
 * completely for the cost of a memcmp instead of a Hessian decode.
 */
import { DEFAULT_LIMITS } from '../../../src/core/limits.js';
import { boltCodec, boltLayout, frameContent } from '../../../src/codecs/bolt/index.js';
import { DubboStatus, dubboCodec, isEvent, readResponseBody, statusOf, type DubboFrame } from '../../../src/codecs/dubbo/index.js';
import { hessianString } from '../../../src/codecs/hessian/byte-sink.js';
import { decodeSofaResponse } from '../../../src/codecs/bolt/sofa-body.js';
import { CallSampler } from '../../../src/tracing/sampler.js';
import { ARG_1KIB, boltEchoRequest, dubboEchoRequest, type RequestTemplate } from './frames.js';

export interface Reply {
  /** Request id as carried by the reply; -1 when it cannot be one of ours. */
  readonly id: number;
  /** Undefined for a correct success reply; otherwise why it is not. */
  readonly error?: string;
}

export interface LoadProtocol {
  readonly template: RequestTemplate;
  /** A fresh request frame with this id (ids are per connection, 1..2^31-1). */
  request(id: number): Buffer;
  /** One reader per connection: bytes in, whole replies out (heartbeats are dropped). */
  newReader(): (chunk: Buffer) => Reply[];
}

/** Learns the expected payload from the first reply, after `verify` accepted it. */
class ExpectedPayload {
  #bytes: Buffer | undefined;
  constructor(private readonly verify: (payload: Buffer) => string | undefined) {}

  check(payload: Buffer): string | undefined {
    if (this.#bytes !== undefined) return this.#bytes.equals(payload) ? undefined : 'reply payload differs from the echo reply';
    const why = this.verify(payload);
    if (why === undefined) this.#bytes = Buffer.from(payload);
    return why;
  }
}

function withId(template: Buffer, write: (buf: Buffer, id: number) => void): (id: number) => Buffer {
  return (id) => {
    const buf = Buffer.allocUnsafe(template.length);
    template.copy(buf);
    write(buf, id);
    return buf;
  };
}

export function boltProtocol(arg = ARG_1KIB): LoadProtocol {
  const template = boltEchoRequest(arg);
  const expected = new ExpectedPayload((content) => {
    const body = decodeSofaResponse(content);
    if (body.isError) return `SofaResponse isError: ${body.errorMsg ?? ''}`;
    return body.appResponse === arg ? undefined : 'SofaResponse appResponse is not the argument';
  });
  return {
    template,
    request: withId(template.bytes, (buf, id) => buf.writeInt32BE(id, boltLayout.V1_REQUEST.idAt)),
    newReader() {
      const decoder = boltCodec.newDecoder(DEFAULT_LIMITS);
      return (chunk) => {
        const replies: Reply[] = [];
        for (const frame of decoder.push(chunk)) {
          const kind = boltCodec.kind(frame);
          if (kind === 'heartbeat' || kind === 'heartbeat-reply') continue;
          if (kind !== 'response') {
            replies.push({ id: -1, error: `unexpected bolt ${kind} frame` });
            continue;
          }
          // Bolt ResponseStatus 0 = SUCCESS; SOFARPC errors then also show as isError in the body.
          const error = frame.status !== 0 ? `bolt status ${frame.status}` : expected.check(frameContent(frame));
          replies.push(error === undefined ? { id: frame.requestId } : { id: frame.requestId, error });
        }
        return replies;
      };
    },
  };
}

export function dubboProtocol(arg = ARG_1KIB): LoadProtocol {
  const template = dubboEchoRequest(arg);
  const argBytes = hessianString(arg);
  const expected = new ExpectedPayload((body) => {
    const view = readResponseBody({ header: Buffer.alloc(16), body, raw: undefined });
    if (view.status !== 'ok') return `dubbo result flag ${view.flag} (exception)`;
    return body.subarray(view.valueStart, view.valueEnd).equals(argBytes) ? undefined : 'dubbo reply value is not the argument';
  });
  return {
    template,
    // Ids stay below 2^31, so the high half of the int64 id is the golden's; zero it once.
    request: withId(Buffer.from(template.bytes).fill(0, 4, 8), (buf, id) => buf.writeUInt32BE(id, 8)),
    newReader() {
      const decoder = dubboCodec.newDecoder(DEFAULT_LIMITS);
      return (chunk) => {
        const replies: Reply[] = [];
        for (const frame of decoder.push(chunk) as DubboFrame[]) {
          if (isEvent(frame)) continue; // heartbeats and READONLY events are not calls
          const id = frame.header.readUInt32BE(4) === 0 ? frame.header.readUInt32BE(8) : -1;
          const status = statusOf(frame);
          const error = status !== DubboStatus.OK ? `dubbo status ${status}` : expected.check(frame.body);
          replies.push(error === undefined ? { id } : { id, error });
        }
        return replies;
      };
    },
  };
}

/** SOFATracer's trace id in the golden Bolt request's header map (`rpc_trace_context.sofaTraceId`). */
const GOLDEN_SOFA_TRACE_ID = Buffer.from('7f0000011700000000000100142424');
/** Its first 8 hex digits (the IP, in SOFATracer's generator) are kept; the rest is random per request. */
const KEPT_DIGITS = 8;

/**
 * Bolt as `boltProtocol`, each request with a SOFATracer trace id of its own, as calls
 * from a SOFARPC app with SOFATracer on carry: a sidecar samples such calls by trace id,
 * and one id for every call would be sampled always or never.
 */
export function boltTracesProtocol(arg = ARG_1KIB): LoadProtocol {
  const bolt = boltProtocol(arg);
  const at = bolt.template.bytes.indexOf(GOLDEN_SOFA_TRACE_ID);
  if (at < 0) throw new Error('the Bolt request template carries no SOFATracer trace id');
  const hex = Buffer.from('0123456789abcdef');
  return {
    ...bolt,
    request(id) {
      const buf = bolt.request(id);
      for (let i = at + KEPT_DIGITS; i < at + GOLDEN_SOFA_TRACE_ID.length; i++) buf[i] = hex[(Math.random() * 16) | 0]!;
      return buf;
    },
  };
}

/** Trace ids `bolt-sampled-traces` cycles through. */
const SAMPLED_IDS = 1_000;

/**
 * `boltTracesProtocol`, but every request's trace id is one a sidecar samples at a ratio of
 * `ratio` or more (found by the sidecar's own decision, src/tracing/sampler.ts): a warm-up
 * with it makes a sidecar's sampled path as hot as it is after minutes at that ratio
 * (at 1 %, its code is compiled by V8's optimising tier after some 1,000 to 2,600 sampled
 * calls, over 100,000 calls in all).
 */
export function boltSampledTracesProtocol(ratio = 0.01, arg = ARG_1KIB): LoadProtocol {
  const bolt = boltProtocol(arg);
  const at = bolt.template.bytes.indexOf(GOLDEN_SOFA_TRACE_ID);
  if (at < 0) throw new Error('the Bolt request template carries no SOFATracer trace id');
  const sampler = new CallSampler(ratio);
  const prefix = GOLDEN_SOFA_TRACE_ID.subarray(0, KEPT_DIGITS).toString();
  const ids: Buffer[] = [];
  while (ids.length < SAMPLED_IDS) {
    let id = prefix;
    for (let i = KEPT_DIGITS; i < GOLDEN_SOFA_TRACE_ID.length; i++) id += '0123456789abcdef'[(Math.random() * 16) | 0];
    if (sampler.sampledSofaTrace(id)) ids.push(Buffer.from(id));
  }
  let next = 0;
  return {
    ...bolt,
    request(id) {
      const buf = bolt.request(id);
      ids[next++ % SAMPLED_IDS]!.copy(buf, at);
      return buf;
    },
  };
}

export function loadProtocol(name: string): LoadProtocol {
  if (name === 'bolt') return boltProtocol();
  if (name === 'bolt-traces') return boltTracesProtocol();
  if (name === 'bolt-sampled-traces') return boltSampledTracesProtocol();
  if (name === 'dubbo') return dubboProtocol();
  throw new Error(`unknown protocol ${name}`);
}
