/**
 * withTimeout: the forwarded request carries the budget left in its `timeout`
 * attachment (a string of milliseconds, as DubboInvoker writes it). Only the
 * attachments tail of the body is rewritten: every byte before the map (the five
 * head strings and the raw arguments) is kept as is, and the header gets the new
 * length. The original frame is not modified.
 */
import { parseRequestBody } from './body.js';
import { hessianString } from '../hessian/byte-sink.js';
import { HEADER_LENGTH, OFFSET_LENGTH, isEvent, isRequest, type DubboFrame } from './layout.js';

const MAP_OPEN = Buffer.from([0x48]);
const MAP_CLOSE = Buffer.from([0x5a]);
const TIMEOUT_KEY = hessianString('timeout');

export function rewriteTimeout(frame: DubboFrame, remainingMs: number, maxDepth: number): DubboFrame {
  if (!isRequest(frame) || isEvent(frame)) return frame;
  const head = parseRequestBody(frame.body, maxDepth);
  const ms = Math.max(1, Math.floor(remainingMs));
  if (head.attachments.get('timeout') === String(ms)) return frame;
  const entry = [TIMEOUT_KEY, hessianString(String(ms))];
  const body = frame.body;
  let parts: Buffer[];
  if (head.entriesStart === -1) {
    parts = [body, MAP_OPEN, ...entry, MAP_CLOSE];
  } else if (head.timeoutEntry) {
    parts = [body.subarray(0, head.timeoutEntry.start), ...entry, body.subarray(head.timeoutEntry.end)];
  } else {
    parts = [body.subarray(0, head.mapEnd), ...entry, body.subarray(head.mapEnd)];
  }
  const newBody = Buffer.concat(parts);
  const header = Buffer.from(frame.header.subarray(0, HEADER_LENGTH));
  header.writeUInt32BE(newBody.length, OFFSET_LENGTH);
  return { header, body: newBody, raw: undefined };
}
