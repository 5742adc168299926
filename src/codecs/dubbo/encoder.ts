/**
 * Frame to buffers for `writev`. A frame that kept its original bytes is returned
 * as that single buffer; one whose header was patched (new request id) or whose
 * body was rebuilt returns header and body separately, never copying the body.
 */
import type { DubboFrame } from './layout.js';
import { HEADER_LENGTH, OFFSET_ID, OFFSET_LENGTH, writeId } from './layout.js';
import { isJoinable, turnBuffer } from '../../core/joined-writes.js';

export function encodeFrame(frame: DubboFrame): Buffer[] {
  if (frame.raw !== undefined) return [frame.raw];
  if (frame.bodyParts !== undefined) return [frame.header, ...frame.bodyParts];
  return frame.body.length === 0 ? [frame.header] : [frame.header, frame.body];
}

export function bodyLength(parts: readonly Buffer[]): number {
  let length = 0;
  for (const part of parts) length += part.length;
  return length;
}

/** A frame whose body is `bodyParts` in a row, joined only if `body` is read. */
class PartsFrame implements DubboFrame {
  readonly raw = undefined;
  #body: Buffer | undefined;

  constructor(
    readonly header: Buffer,
    readonly bodyParts: readonly Buffer[],
  ) {}

  get body(): Buffer {
    return (this.#body ??= Buffer.concat(this.bodyParts));
  }
}

export function withBodyParts(header: Buffer, parts: readonly Buffer[]): DubboFrame {
  return new PartsFrame(header, parts);
}

/** A copy of the frame with another id: only the 16 header bytes are copied and patched. */
export function withId(frame: DubboFrame, id: number | bigint): DubboFrame {
  const header = headerWithId(frame, id);
  if (frame.bodyParts !== undefined) return withBodyParts(header, frame.bodyParts);
  return { header, body: frame.body, raw: undefined };
}

/** A copy of the frame's 16 header bytes with id `id` (its body length as the frame's). */
export function headerWithId(frame: DubboFrame, id: number | bigint): Buffer {
  const header = Buffer.allocUnsafe(HEADER_LENGTH);
  frame.header.copy(header, 0, 0, HEADER_LENGTH);
  writeId(header, id);
  return header;
}

/**
 * The reply's bytes under the request's id: its 8 id bytes copied as they are, whatever their
 * value; in one buffer when it fits (core/joined-writes.ts: the turn's write arena).
 */
export function encodeReply(reply: DubboFrame, request: DubboFrame): Buffer[] {
  if (reply.bodyParts === undefined && isJoinable(HEADER_LENGTH + reply.body.length)) {
    // Header and body in one buffer from the turn's write arena: one write.
    const joined = turnBuffer(HEADER_LENGTH + reply.body.length);
    reply.header.copy(joined, 0, 0, HEADER_LENGTH);
    // Byte by byte: Node 20's copy of part of a buffer makes a Uint8Array view of that part first.
    const from = request.header;
    for (let i = OFFSET_ID; i < OFFSET_ID + 8; i++) joined[i] = from[i]!;
    reply.body.copy(joined, HEADER_LENGTH);
    return [joined];
  }
  const header = Buffer.allocUnsafe(HEADER_LENGTH);
  reply.header.copy(header, 0, 0, HEADER_LENGTH);
  request.header.copy(header, OFFSET_ID, OFFSET_ID, OFFSET_ID + 8);
  return appendBody([header], reply);
}

/** `out` (a header for the frame) with the frame's body after it, as the slices it is made of. */
export function appendBody(out: Buffer[], frame: DubboFrame): Buffer[] {
  const header = out[0]!;
  if (frame.bodyParts !== undefined) {
    for (const part of frame.bodyParts) out.push(part);
    header.writeUInt32BE(bodyLength(frame.bodyParts), OFFSET_LENGTH);
  } else if (frame.body.length > 0) {
    out.push(frame.body);
  }
  return out;
}
