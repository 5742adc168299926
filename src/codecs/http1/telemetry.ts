/**
 * Tracing on HTTP/1: trace keys are request headers (lower case, as node:http gives
 * them). SOFATracer's REST filters use `SOFA-TraceId`, `SOFA-RpcId`, `sofaPenAttrs` and
 * `new_rpc_trace_context`; header names are case-insensitive, so their lower-case forms.
 */
import type { ProtocolTelemetry, TraceKey } from '../../core/telemetry.js';
import { httpStatusOf } from './status.js';

const SOFA_KEYS: Partial<Record<TraceKey, string>> = {
  'sofa-trace-id': 'sofa-traceid',
  'sofa-rpc-id': 'sofa-rpcid',
  'sofa-pen-attrs': 'sofapenattrs',
  'sofa-span-context': 'new_rpc_trace_context',
};

export const http1Telemetry: ProtocolTelemetry = {
  traceKey: (key: TraceKey) => (key.startsWith('sofa-') ? SOFA_KEYS[key] : key),
  withTrace: (invocation, entries) => ({ ...invocation, attachments: { ...invocation.attachments, ...Object.fromEntries(entries) } }),
  nativeFormats: [],
  errorStatus: (error) => httpStatusOf(error),
  resultStatus: (result) => result.protocolStatus,
};
