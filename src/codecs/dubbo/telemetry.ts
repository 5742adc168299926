/**
 * Tracing on Dubbo: keys travel in the attachments map that ends a request body. W3C and
 * B3 under their header names (OpenTelemetry's and Brave's Dubbo filters), SOFATracer's
 * context as one string under `dubbo.rpc.sofa.tracer` (its Dubbo plug-in). Only the map
 * is rewritten: the head strings and the raw arguments are kept byte for byte, and the
 * new entries are added at the map's end, where Java's HashMap lets the last one win.
 */
import type { ProtocolTelemetry, TraceKey } from '../../core/telemetry.js';
import { requestHeadOf } from './body.js';
import { hessianString } from '../hessian/byte-sink.js';
import { HEADER_LENGTH, OFFSET_LENGTH, isEvent, isRequest, type DubboFrame } from './layout.js';
import { statusForError } from './status.js';

const MAP_OPEN = Buffer.from([0x48]);
const MAP_CLOSE = Buffer.from([0x5a]);
/** The same bound on Hessian nesting the codec uses when it skips arguments. */
const MAX_DEPTH = 64;

/** The request frame with these attachments added; the original frame is not modified. */
export function withAttachments(frame: DubboFrame, entries: ReadonlyArray<readonly [string, string]>, maxDepth = MAX_DEPTH): DubboFrame {
  if (!isRequest(frame) || isEvent(frame) || entries.length === 0) return frame;
  // The head routing parsed is kept on the frame: not parsed again here.
  const head = requestHeadOf(frame, maxDepth);
  const added = entries.flatMap(([key, value]) => [hessianString(key), hessianString(value)]);
  const body = frame.body;
  const parts = head.mapEnd === -1 ? [body, MAP_OPEN, ...added, MAP_CLOSE] : [body.subarray(0, head.mapEnd), ...added, body.subarray(head.mapEnd)];
  const newBody = Buffer.concat(parts);
  const header = Buffer.from(frame.header.subarray(0, HEADER_LENGTH));
  header.writeUInt32BE(newBody.length, OFFSET_LENGTH);
  return { header, body: newBody, raw: undefined };
}

export const dubboTelemetry: ProtocolTelemetry = {
  traceKey: (key: TraceKey) => (key === 'sofa-span-context' ? 'dubbo.rpc.sofa.tracer' : key.startsWith('sofa-') ? undefined : key),
  withTrace(invocation, entries) {
    const attachments = { ...invocation.attachments, ...Object.fromEntries(entries) };
    const frame = invocation.frame === undefined ? undefined : withAttachments(invocation.frame as DubboFrame, entries);
    return { ...invocation, attachments, ...(frame ? { frame } : {}) };
  },
  nativeFormats: [],
  errorStatus: (error) => statusForError(error),
  resultStatus: (result) => result.protocolStatus,
};
