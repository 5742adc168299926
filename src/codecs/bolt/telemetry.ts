/**
 * Tracing on Bolt: SOFARPC's Java client flattens its `rpc_trace_context` request
 * property into the header map (`rpc_trace_context.sofaTraceId`, ...), and the server
 * merges those header entries back over the body's (SofaRpcSerialization), so rewriting
 * the header map is enough: the SofaRequest body is forwarded untouched. Newer SOFARPC
 * clients send the whole context as one string in `new_rpc_trace_context`, which the
 * server reads first. W3C and B3 keys travel in the header map under their own names.
 */
import { MeshError } from '../../core/errors.js';
import type { ProtocolTelemetry, TraceCarrier, TraceKey } from '../../core/telemetry.js';
import type { Invocation } from '../../core/invocation.js';
import { buildFrame } from './encoder.js';
import { findHeaders, frameContent, frameWith, type BoltFrame } from './frame.js';
import { HeaderKeys, encodeHeaderMap, type FoundHeaders } from './headers.js';
import { MAX_SHORT_LEN, layoutFor } from './layout.js';
import { statusForError } from './status.js';

const SOFA_KEYS: Partial<Record<TraceKey, string>> = {
  'sofa-trace-id': 'rpc_trace_context.sofaTraceId',
  'sofa-rpc-id': 'rpc_trace_context.sofaRpcId',
  'sofa-pen-attrs': 'rpc_trace_context.sofaPenAttrs',
  'sofa-sys-pen-attrs': 'rpc_trace_context.sysPenAttrs',
  'sofa-sampled': 'rpc_trace_context.samp',
  'sofa-span-context': 'new_rpc_trace_context',
};

const traceKey = (key: TraceKey): string | undefined => (key.startsWith('sofa-') ? SOFA_KEYS[key] : key);

/** Every key tracing reads, with its place in TRACE_HEADERS. */
const TRACE_INDEX: Record<TraceKey, number> = {
  traceparent: 0,
  tracestate: 1,
  b3: 2,
  'x-b3-traceid': 3,
  'x-b3-spanid': 4,
  'x-b3-parentspanid': 5,
  'x-b3-sampled': 6,
  'x-b3-flags': 7,
  'sofa-trace-id': 8,
  'sofa-rpc-id': 9,
  'sofa-pen-attrs': 10,
  'sofa-sys-pen-attrs': 11,
  'sofa-sampled': 12,
  'sofa-span-context': 13,
};
const TRACE_HEADERS = new HeaderKeys(
  (Object.keys(TRACE_INDEX) as TraceKey[]).sort((a, b) => TRACE_INDEX[a] - TRACE_INDEX[b]).map((key) => traceKey(key)!),
);

/** A Bolt call's trace entries, all found in one pass over its header map's bytes. */
class BoltTraceCarrier implements TraceCarrier {
  readonly #found: FoundHeaders;

  constructor(frame: BoltFrame) {
    this.#found = findHeaders(frame, TRACE_HEADERS);
  }

  get(key: TraceKey): string | undefined {
    return this.#found.value(TRACE_INDEX[key]);
  }
}

/** A call with no frame (one a bridge made): its attachments are its header map. */
class AttachmentCarrier implements TraceCarrier {
  readonly #attachments: Readonly<Record<string, string>>;

  constructor(attachments: Readonly<Record<string, string>>) {
    this.#attachments = attachments;
  }

  get(key: TraceKey): string | undefined {
    return this.#attachments[traceKey(key)!];
  }
}

function incomingTrace(invocation: Invocation): TraceCarrier {
  return invocation.frame === undefined ? new AttachmentCarrier(invocation.attachments) : new BoltTraceCarrier(invocation.frame as BoltFrame);
}

/**
 * The frame with these header map entries set (added, or replacing the same key); the
 * content is kept as is. Entries the frame already has with the same value are skipped;
 * when all the others are new keys (the usual case: a pass-through call whose SOFATracer
 * fields go on unchanged, plus `traceparent`), their encoding is appended to the frame's
 * own header block instead of encoding the whole map again.
 */
export function withHeaders(frame: BoltFrame, entries: ReadonlyArray<readonly [string, string]>): BoltFrame {
  const changed = entries.filter(([key, value]) => frame.headers.get(key) !== value);
  if (changed.length === 0) return frame;
  const headers = new Map(frame.headers);
  for (const [key, value] of changed) headers.set(key, value);
  if (frame.crc !== undefined || changed.some(([key]) => frame.headers.has(key))) return rebuilt(frame, headers);
  const added = encodeHeaderMap(new Map(changed));
  const headerLen = frame.headerLen + added.length;
  if (headerLen > MAX_SHORT_LEN) throw new MeshError('PMESH_INTERNAL', 'bolt: header map longer than 32767 bytes cannot be encoded');
  const end = frame.classLen + frame.headerLen;
  const head = Buffer.from(frame.head);
  head.writeInt16BE(headerLen, layoutFor(frame.proto, frame.type).headerLenAt);
  return frameWith(frame, { head, headers, headerLen, rest: Buffer.concat([frame.rest.subarray(0, end), added, frame.rest.subarray(end)]) });
}

function rebuilt(frame: BoltFrame, headers: ReadonlyMap<string, string>): BoltFrame {
  return buildFrame({
    proto: frame.proto,
    ver1: frame.ver1,
    type: frame.type,
    cmdCode: frame.cmdCode,
    ver2: frame.ver2,
    requestId: frame.requestId,
    codec: frame.codec,
    switchByte: frame.switchByte,
    timeout: frame.timeout,
    className: frame.className,
    headers,
    content: frameContent(frame),
  });
}

export const boltTelemetry: ProtocolTelemetry = {
  traceKey,
  incomingTrace,
  withTrace(invocation, entries) {
    const attachments = { ...invocation.attachments, ...Object.fromEntries(entries) };
    const frame = invocation.frame === undefined ? undefined : withHeaders(invocation.frame as BoltFrame, entries);
    return { ...invocation, attachments, ...(frame ? { frame } : {}) };
  },
  nativeFormats: ['sofa'],
  errorStatus: (error) => statusForError(error),
  resultStatus: (result) => result.protocolStatus,
};
