/**
 * Tracing on gRPC: trace keys are metadata, that is HTTP/2 headers, named as on HTTP/1
 * (SOFATracer's spelled in lower case). The status is the gRPC code, which a streamed
 * reply states only in its trailers.
 */
import { replaceFields } from '../../core/header-list.js';
import type { ProtocolTelemetry, TraceKey } from '../../core/telemetry.js';
import type { GrpcRequestFrame, GrpcResponseFrame } from './invocation.js';
import { GRPC_STATUS } from './headers.js';
import { grpcStatusOf } from './status.js';

const SOFA_KEYS: Partial<Record<TraceKey, string>> = {
  'sofa-trace-id': 'sofa-traceid',
  'sofa-rpc-id': 'sofa-rpcid',
  'sofa-pen-attrs': 'sofapenattrs',
  'sofa-span-context': 'new_rpc_trace_context',
};

function isResponseFrame(frame: unknown): frame is GrpcResponseFrame {
  return typeof frame === 'object' && frame !== null && 'trailers' in frame && 'headers' in frame;
}

/**
 * The head with the entries in place of the caller's fields of the same names: in the
 * header object (what a bridged call is built from) and, for a relayed call, in the field
 * list its upstream forwards, so the next hop's parent is the sidecar's span, not the
 * caller's. The spread keeps the relay call the listener put in the frame.
 */
function tracedHead(frame: GrpcRequestFrame, entries: ReadonlyArray<readonly [string, string]>, added: Record<string, string>): GrpcRequestFrame {
  const headers = { ...frame.headers, ...added };
  return frame.fields ? { ...frame, headers, fields: replaceFields(frame.fields, entries) } : { ...frame, headers };
}

export const grpcTelemetry: ProtocolTelemetry = {
  traceKey: (key) => (key.startsWith('sofa-') ? SOFA_KEYS[key] : key),
  withTrace(invocation, entries) {
    const added = Object.fromEntries(entries);
    const frame = invocation.frame as GrpcRequestFrame | undefined;
    return {
      ...invocation,
      attachments: { ...invocation.attachments, ...added },
      ...(frame ? { frame: tracedHead(frame, entries, added) } : {}),
    };
  },
  nativeFormats: [],
  errorStatus: (error) => grpcStatusOf(error),
  resultStatus(result) {
    const frame = result.frame;
    const stated = result.attachments[GRPC_STATUS];
    if (stated !== undefined) return Number(stated);
    if (!isResponseFrame(frame)) return result.protocolStatus;
    return frame.trailers.then((trailers) => Number(trailers[GRPC_STATUS] ?? 2), () => 2);
  },
};
