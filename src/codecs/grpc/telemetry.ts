/**
 * Tracing on gRPC: trace keys are metadata, that is HTTP/2 headers, named as on HTTP/1
 * (SOFATracer's spelled in lower case). The status is the gRPC code, which a streamed
 * reply states only in its trailers. The trace entries are read from the head's field
 * list as it came: the sampling decision reads a few on every call, and the header object
 * (the call's attachments) is otherwise made only for a call that is bridged or rewritten.
 */
import { replaceFields } from '../../core/header-list.js';
import type { Invocation } from '../../core/invocation.js';
import type { ProtocolTelemetry, TraceCarrier, TraceKey } from '../../core/telemetry.js';
import { GrpcRequestHead, type GrpcRequestFrame, type GrpcResponseFrame } from './invocation.js';
import { GRPC_STATUS } from './headers.js';
import { grpcStatusOf } from './status.js';

const SOFA_KEYS: Partial<Record<TraceKey, string>> = {
  'sofa-trace-id': 'sofa-traceid',
  'sofa-rpc-id': 'sofa-rpcid',
  'sofa-pen-attrs': 'sofapenattrs',
  'sofa-span-context': 'new_rpc_trace_context',
};

const traceKey = (key: TraceKey): string | undefined => (key.startsWith('sofa-') ? SOFA_KEYS[key] : key);

/**
 * A call's trace entries in its head's flat field list (name, value, ...), read in place;
 * a field that repeats is joined as the header object joins it, so both read alike.
 */
class FieldsCarrier implements TraceCarrier {
  readonly #fields: readonly string[];

  constructor(fields: readonly string[]) {
    this.#fields = fields;
  }

  get(key: TraceKey): string | undefined {
    const name = traceKey(key);
    if (name === undefined) return undefined;
    const fields = this.#fields;
    let value: string | undefined;
    for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) value = value === undefined ? fields[i + 1] : `${value}, ${fields[i + 1]}`;
    return value;
  }
}

/** A call with no head as received (one a bridge made): its attachments. */
class AttachmentsCarrier implements TraceCarrier {
  readonly #attachments: Readonly<Record<string, string>>;

  constructor(attachments: Readonly<Record<string, string>>) {
    this.#attachments = attachments;
  }

  get(key: TraceKey): string | undefined {
    const name = traceKey(key);
    return name === undefined ? undefined : this.#attachments[name];
  }
}

function incomingTrace(invocation: Invocation): TraceCarrier {
  return invocation.frame instanceof GrpcRequestHead ? new FieldsCarrier(invocation.frame.fields) : new AttachmentsCarrier(invocation.attachments);
}

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
  traceKey,
  incomingTrace,
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
