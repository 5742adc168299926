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
import { withFrame } from './invocation.js';
import { buildFrame } from './encoder.js';
import { ReceivedFrame, findHeaders, frameContent, knownHeaders, restOffset, restSource, type BoltFrame, type FixedFields } from './frame.js';
import { FoundHeaders, HeaderKeys, encodeHeaderMap, knownOf } from './headers.js';
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

/** A Bolt call's trace entries, looked up in its header map's bytes (one object per call, and it is the carrier). */
class BoltTraceCarrier extends FoundHeaders implements TraceCarrier {
  constructor(frame: BoltFrame) {
    // Read where the frame's bytes lie: `frame.rest` would cut a view of them, on every call.
    const start = restOffset(frame) + frame.classLen;
    super(restSource(frame), start, start + frame.headerLen, TRACE_HEADERS);
  }

  get(key: TraceKey): string | undefined {
    return this.value(TRACE_INDEX[key]);
  }

  hash(key: TraceKey): number | undefined {
    return this.valueHash(TRACE_INDEX[key]);
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

/** A trace entry's place in TRACE_HEADERS, by its Bolt name. */
const TRACE_HEADER_INDEX = new Map(TRACE_HEADERS.names.map((name, i) => [name, i]));

/** The values `frame` has now for the keys of `entries`, read from its bytes when they are trace keys (they are). */
function currentValues(frame: BoltFrame, entries: ReadonlyArray<readonly [string, string]>): Array<string | undefined> {
  let found: FoundHeaders | undefined;
  return entries.map(([key]) => {
    const index = TRACE_HEADER_INDEX.get(key);
    return index === undefined ? frame.headers.get(key) : (found ??= findHeaders(frame, TRACE_HEADERS)).value(index);
  });
}

/**
 * The frame with these header map entries set (added, or replacing the same key); the
 * content is kept as is. Entries the frame already has with the same value are skipped;
 * when all the others are new keys (the usual case: a pass-through call whose SOFATracer
 * fields go on unchanged, plus `traceparent`), their encoding is appended to the frame's
 * own header block instead of encoding the whole map again. Either way the result is a
 * ReceivedFrame, as the listener's own frames are (only a frame with a CRC to compute
 * again is built whole): the proxy's hot path then sees one kind of frame, where a frame
 * of another shape on one call in a hundred made V8 deoptimise the write path's
 * functions and compile them again for both.
 */
export function withHeaders(frame: BoltFrame, entries: ReadonlyArray<readonly [string, string]>): BoltFrame {
  const current = currentValues(frame, entries);
  const changed = entries.filter(([, value], i) => current[i] !== value);
  if (changed.length === 0) return frame;
  if (frame.crc !== undefined) return rebuilt(frame, withEntries(frame.headers, changed));
  const replaces = entries.some(([, value], i) => current[i] !== undefined && current[i] !== value);
  const end = frame.classLen + frame.headerLen;
  // Replacing a value encodes the whole map in place of the frame's block; new keys only are encoded and appended to it.
  const map = replaces ? withEntries(frame.headers, changed) : undefined;
  const encoded = encodeHeaderMap(map ?? new Map(changed));
  const kept = map ? frame.classLen : end;
  const headerLen = kept - frame.classLen + encoded.length;
  if (headerLen > MAX_SHORT_LEN) throw new MeshError('PMESH_INTERNAL', 'bolt: header map longer than 32767 bytes cannot be encoded');
  const head = Buffer.from(frame.head);
  head.writeInt16BE(headerLen, layoutFor(frame.proto, frame.type).headerLenAt);
  const rest = Buffer.concat([frame.rest.subarray(0, kept), encoded, frame.rest.subarray(end)]);
  // Its bytes are whole and valid (the frame's own, checked when decoded, and entries encoded here): read lazily, like a received frame.
  return new ReceivedFrame({ ...fixedFields(frame), headerLen }, head, rest, undefined, map ? knownOf(map) : knownHeaders(frame), Number.MAX_SAFE_INTEGER);
}

function withEntries(headers: ReadonlyMap<string, string>, entries: ReadonlyArray<readonly [string, string]>): Map<string, string> {
  const map = new Map(headers);
  for (const [key, value] of entries) map.set(key, value);
  return map;
}

function fixedFields(frame: BoltFrame): FixedFields {
  const { proto, ver1, type, cmdCode, ver2, requestId, codec, switchByte, timeout, status, classLen, headerLen, contentLen } = frame;
  return { proto, ver1, type, cmdCode, ver2, requestId, codec, switchByte, timeout, status, classLen, headerLen, contentLen };
}

/**
 * The call with `entries` over its attachments and `frame` as its frame. A class with every
 * field set in the constructor (one shape for every traced call, where spreads of optional
 * fields made several) whose attachments are merged only when read: reading the original's
 * would build its whole header map, which only a reader of the traced call's attachments
 * needs. `Record<keyof Invocation, ...>` below fails to compile when Invocation gains a
 * field this does not copy.
 */
class TracedInvocation implements Invocation {
  readonly protocol: string;
  readonly service: Invocation['service'];
  readonly method: string;
  readonly argTypes: Invocation['argTypes'];
  readonly deadline: number | undefined;
  readonly oneway: boolean;
  readonly body: Invocation['body'];
  readonly frame: unknown;
  readonly #original: Invocation;
  readonly #entries: ReadonlyArray<readonly [string, string]>;
  #attachments: Record<string, string> | undefined;

  constructor(original: Invocation, entries: ReadonlyArray<readonly [string, string]>, frame: BoltFrame | undefined) {
    this.protocol = original.protocol;
    this.service = original.service;
    this.method = original.method;
    this.argTypes = original.argTypes;
    this.deadline = original.deadline;
    this.oneway = original.oneway;
    this.body = original.body;
    this.frame = frame;
    this.#original = original;
    this.#entries = entries;
  }

  get attachments(): Readonly<Record<string, string>> {
    return (this.#attachments ??= { ...this.#original.attachments, ...Object.fromEntries(this.#entries) });
  }
}

const COPIED: Record<keyof Invocation, true> = { protocol: true, service: true, method: true, argTypes: true, attachments: true, deadline: true, oneway: true, body: true, frame: true };
void COPIED;

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
    if (invocation.frame === undefined) return new TracedInvocation(invocation, entries, undefined);
    const frame = withHeaders(invocation.frame as BoltFrame, entries);
    // The listener's own class when it made the call (one shape on the hot path, as for the frame); its attachments are the new frame's map.
    return withFrame(invocation, frame) ?? new TracedInvocation(invocation, entries, frame);
  },
  nativeFormats: ['sofa'],
  errorStatus: (error) => statusForError(error),
  resultStatus: (result) => result.protocolStatus,
};
