/**
 * Tracing on Bolt: SOFARPC's Java client flattens its `rpc_trace_context` request
 * property into the header map (`rpc_trace_context.sofaTraceId`, ...), and the server
 * merges those header entries back over the body's (SofaRpcSerialization), so rewriting
 * the header map is enough: the SofaRequest body is forwarded untouched. Newer SOFARPC
 * clients send the whole context as one string in `new_rpc_trace_context`, which the
 * server reads first. W3C and B3 keys travel in the header map under their own names.
 */
import type { ProtocolTelemetry, TraceKey } from '../../core/telemetry.js';
import { buildFrame } from './encoder.js';
import { frameContent, type BoltFrame } from './frame.js';
import { statusForError } from './status.js';

const SOFA_KEYS: Partial<Record<TraceKey, string>> = {
  'sofa-trace-id': 'rpc_trace_context.sofaTraceId',
  'sofa-rpc-id': 'rpc_trace_context.sofaRpcId',
  'sofa-pen-attrs': 'rpc_trace_context.sofaPenAttrs',
  'sofa-sys-pen-attrs': 'rpc_trace_context.sysPenAttrs',
  'sofa-sampled': 'rpc_trace_context.samp',
  'sofa-span-context': 'new_rpc_trace_context',
};

/** The frame with these header map entries set (added, or replacing the same key); the content is kept as is. */
export function withHeaders(frame: BoltFrame, entries: ReadonlyArray<readonly [string, string]>): BoltFrame {
  const headers = new Map(frame.headers);
  for (const [key, value] of entries) headers.set(key, value);
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
  traceKey: (key) => (key.startsWith('sofa-') ? SOFA_KEYS[key] : key),
  withTrace(invocation, entries) {
    const attachments = { ...invocation.attachments, ...Object.fromEntries(entries) };
    const frame = invocation.frame === undefined ? undefined : withHeaders(invocation.frame as BoltFrame, entries);
    return { ...invocation, attachments, ...(frame ? { frame } : {}) };
  },
  nativeFormats: ['sofa'],
  errorStatus: (error) => statusForError(error),
  resultStatus: (result) => result.protocolStatus,
};
