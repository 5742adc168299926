/**
 * withTimeout: the forwarded request carries the budget left in its `timeout`
 * attachment (a string of milliseconds, as DubboInvoker writes it). Only the
 * attachments tail of the body is rewritten: every byte before the map (the five
 * head strings and the raw arguments) is kept as is, and the header gets the new
 * length. The original frame is not modified, and its body is not copied either: the
 * new frame's body is slices of it around the new entry, written as they are. The head
 * was parsed already to route the call and is kept on the frame.
 */
import { requestHeadOf } from './body.js';
import { bodyLength, withBodyParts } from './encoder.js';
import { hessianString } from '../hessian/byte-sink.js';
import { HEADER_LENGTH, OFFSET_LENGTH, isEvent, isRequest, type DubboFrame } from './layout.js';

const MAP_OPEN = Buffer.from([0x48]);
const MAP_CLOSE = Buffer.from([0x5a]);
const TIMEOUT_KEY = hessianString('timeout');

/** The written `timeout` values by milliseconds: budgets repeat (a route's timeout less a few ms), so each is written once. Bounded. */
const timeoutValues = new Map<number, Buffer>();
const MAX_TIMEOUT_VALUES = 8_192;

function timeoutValue(ms: number): Buffer {
  let value = timeoutValues.get(ms);
  if (value === undefined) {
    value = hessianString(String(ms));
    if (timeoutValues.size < MAX_TIMEOUT_VALUES) timeoutValues.set(ms, value);
  }
  return value;
}

/**
 * The request body with its `timeout` attachment set to `remainingMs`, as slices of the
 * original around the new entry; undefined when the frame is no call or already says so.
 */
export function timeoutBodyParts(frame: DubboFrame, remainingMs: number, maxDepth: number): Buffer[] | undefined {
  if (!isRequest(frame) || isEvent(frame)) return undefined;
  const head = requestHeadOf(frame, maxDepth);
  const ms = Math.max(1, Math.floor(remainingMs));
  if (head.attachments.get('timeout') === String(ms)) return undefined;
  const entry = [TIMEOUT_KEY, timeoutValue(ms)];
  const body = frame.body;
  if (head.entriesStart === -1) return [body, MAP_OPEN, ...entry, MAP_CLOSE];
  if (head.timeoutEntry) return [body.subarray(0, head.timeoutEntry.start), ...entry, body.subarray(head.timeoutEntry.end)];
  return [body.subarray(0, head.mapEnd), ...entry, body.subarray(head.mapEnd)];
}

export function rewriteTimeout(frame: DubboFrame, remainingMs: number, maxDepth: number): DubboFrame {
  const parts = timeoutBodyParts(frame, remainingMs, maxDepth);
  if (parts === undefined) return frame;
  const header = Buffer.from(frame.header.subarray(0, HEADER_LENGTH));
  header.writeUInt32BE(bodyLength(parts), OFFSET_LENGTH);
  return withBodyParts(header, parts);
}
