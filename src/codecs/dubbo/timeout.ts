/**
 * withTimeout: the forwarded request carries the budget left in its `timeout`
 * attachment (a string of milliseconds, as DubboInvoker writes it). Only the
 * attachments tail of the body is rewritten: every byte before the map (the five
 * head strings and the raw arguments) is kept as is, and the header gets the new
 * length. The original frame is not modified, and its body is not copied either: the
 * new frame's body is slices of it around the new entry, written as they are. The head
 * was parsed already to route the call and is kept on the frame.
 */
import { requestHeadOf, type RequestHead } from './body.js';
import { isJoinable, turnBuffer } from '../../core/joined-writes.js';
import { appendBody, bodyLength, headerWithId, withBodyParts } from './encoder.js';
import { hessianString } from '../hessian/byte-sink.js';
import { HEADER_LENGTH, OFFSET_LENGTH, isEvent, isRequest, writeId, type DubboFrame } from './layout.js';

const MAP_OPEN = Buffer.from([0x48]);
const MAP_CLOSE = Buffer.from([0x5a]);
const TIMEOUT_KEY = hessianString('timeout');

/** A `timeout` value as text and as written: budgets repeat (a route's timeout less a few ms), so each is made once. */
interface TimeoutValue {
  readonly text: string;
  readonly bytes: Buffer;
}

/** The written `timeout` values by milliseconds. Bounded. */
const timeoutValues = new Map<number, TimeoutValue>();
const MAX_TIMEOUT_VALUES = 8_192;

function timeoutValue(ms: number): TimeoutValue {
  let value = timeoutValues.get(ms);
  if (value === undefined) {
    const text = String(ms);
    value = { text, bytes: hessianString(text) };
    if (timeoutValues.size < MAX_TIMEOUT_VALUES) timeoutValues.set(ms, value);
  }
  return value;
}

/**
 * The request body with its `timeout` attachment set to `remainingMs`, as slices of the
 * original around the new entry, appended to `out`; false (nothing appended) when the
 * frame is no call or already says so.
 */
export function appendTimeoutBody(out: Buffer[], frame: DubboFrame, remainingMs: number, maxDepth: number): boolean {
  if (!isRequest(frame) || isEvent(frame)) return false;
  const head = requestHeadOf(frame, maxDepth);
  const value = timeoutValue(Math.max(1, Math.floor(remainingMs)));
  if (head.attachments.get('timeout') === value.text) return false;
  const body = frame.body;
  if (head.entriesStart === -1) out.push(body, MAP_OPEN, TIMEOUT_KEY, value.bytes, MAP_CLOSE);
  else if (head.timeoutEntry) out.push(body.subarray(0, head.timeoutEntry.start), TIMEOUT_KEY, value.bytes, body.subarray(head.timeoutEntry.end));
  else out.push(body.subarray(0, head.mapEnd), TIMEOUT_KEY, value.bytes, body.subarray(head.mapEnd));
  return true;
}

export function rewriteTimeout(frame: DubboFrame, remainingMs: number, maxDepth: number): DubboFrame {
  const parts: Buffer[] = [];
  if (!appendTimeoutBody(parts, frame, remainingMs, maxDepth)) return frame;
  const header = Buffer.from(frame.header.subarray(0, HEADER_LENGTH));
  header.writeUInt32BE(bodyLength(parts), OFFSET_LENGTH);
  return withBodyParts(header, parts);
}

/**
 * The bytes of `frame` under id `id` and, for a call with `remainingMs`, its `timeout`
 * attachment set to it: one new 16-byte header and the body's own slices around the new
 * entry, no frame in between. The frame itself is left as it is.
 */
export function encodeForward(frame: DubboFrame, id: number | bigint, remainingMs: number | undefined, maxDepth: number): Buffer[] {
  if (frame.bodyParts === undefined) {
    const joined = joinedForward(frame, id, remainingMs, maxDepth);
    if (joined !== undefined) return [joined];
  }
  const out = [headerWithId(frame, id)];
  if (remainingMs !== undefined && appendTimeoutBody(out, frame, remainingMs, maxDepth)) {
    out[0]!.writeUInt32BE(bodyLength(out) - HEADER_LENGTH, OFFSET_LENGTH);
    return out;
  }
  return appendBody(out, frame);
}

/**
 * encodeForward's bytes in one buffer from the turn's write arena when they fit (core/joined-writes.ts),
 * else undefined: the body copied around the new `timeout` entry, no slice or write per part.
 */
function joinedForward(frame: DubboFrame, id: number | bigint, remainingMs: number | undefined, maxDepth: number): Buffer | undefined {
  const body = frame.body;
  let head: RequestHead | undefined;
  let value: TimeoutValue | undefined;
  if (remainingMs !== undefined && isRequest(frame) && !isEvent(frame)) {
    head = requestHeadOf(frame, maxDepth);
    value = timeoutValue(Math.max(1, Math.floor(remainingMs)));
    if (head.attachments.get('timeout') === value.text) value = undefined;
  }
  if (head === undefined || value === undefined) {
    if (!isJoinable(HEADER_LENGTH + body.length)) return undefined;
    const out = turnBuffer(HEADER_LENGTH + body.length);
    frame.header.copy(out, 0, 0, HEADER_LENGTH);
    writeId(out, id);
    body.copy(out, HEADER_LENGTH);
    return out;
  }
  // The body's bytes [cutStart, cutEnd) give way to the entry: the old `timeout` entry, or
  // nothing at the map's end; a body without a map gets one holding the entry alone.
  const wrap = head.entriesStart === -1;
  const cutStart = wrap ? body.length : (head.timeoutEntry?.start ?? head.mapEnd);
  const cutEnd = wrap ? body.length : (head.timeoutEntry?.end ?? head.mapEnd);
  const bodyLength = body.length - (cutEnd - cutStart) + TIMEOUT_KEY.length + value.bytes.length + (wrap ? 2 : 0);
  if (!isJoinable(HEADER_LENGTH + bodyLength)) return undefined;
  const out = turnBuffer(HEADER_LENGTH + bodyLength);
  frame.header.copy(out, 0, 0, HEADER_LENGTH);
  writeId(out, id);
  out.writeUInt32BE(bodyLength, OFFSET_LENGTH);
  let at = HEADER_LENGTH + body.copy(out, HEADER_LENGTH, 0, cutStart);
  if (wrap) at += MAP_OPEN.copy(out, at);
  at += TIMEOUT_KEY.copy(out, at);
  at += value.bytes.copy(out, at);
  if (wrap) at += MAP_CLOSE.copy(out, at);
  body.copy(out, at, cutEnd);
  return out;
}
