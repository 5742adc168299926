/**
 * Frame -> bytes, and the id/timeout rewrites. A decoded frame encodes to its own
 * bytes (head, rest, crc as received). A rewrite copies only the fixed part and, for
 * CRC-carrying v2 frames, recomputes the 4-byte trailer, since the CRC covers the id.
 */
import { crc32 } from 'node:zlib';
import { MeshError } from '../../core/errors.js';
import { isJoinable, turnBuffer } from '../../core/joined-writes.js';
import { copyFixedPart, frameWith, type BoltFrame } from './frame.js';
import { encodeHeaderMap } from './headers.js';
import {
  CRC_BYTES, MAX_SHORT_LEN, PROTO_V2, SWITCH_CRC, TYPE_RESPONSE, V2_VERSION_2, layoutFor,
} from './layout.js';

export function encodeFrame(frame: BoltFrame): Buffer[] {
  return frame.crc === undefined ? [frame.head, frame.rest] : [frame.head, frame.rest, frame.crc];
}

function crcOf(head: Buffer, rest: Buffer): Buffer {
  const out = Buffer.alloc(CRC_BYTES);
  out.writeInt32BE(crc32(rest, crc32(head)) | 0, 0);
  return out;
}

function patched(frame: BoltFrame, head: Buffer, changes: Partial<BoltFrame>): BoltFrame {
  return frameWith(frame, { ...changes, head, ...(frame.crc === undefined ? {} : { crc: crcOf(head, frame.rest) }) });
}

export function withRequestId(frame: BoltFrame, id: number): BoltFrame {
  const layout = layoutFor(frame.proto, frame.type);
  const head = Buffer.from(frame.head);
  head.writeInt32BE(id, layout.idAt);
  return patched(frame, head, { requestId: id });
}

function timeoutField(timeoutMs: number): number {
  return Math.max(1, Math.min(0x7fffffff, Math.ceil(timeoutMs)));
}

export function withTimeout(frame: BoltFrame, timeoutMs: number): BoltFrame {
  if (frame.type === TYPE_RESPONSE) return frame;
  const layout = layoutFor(frame.proto, frame.type);
  const head = Buffer.from(frame.head);
  const timeout = timeoutField(timeoutMs);
  head.writeInt32BE(timeout, layout.timeoutOrStatusAt);
  return patched(frame, head, { timeout });
}

/**
 * The bytes of `frame` under request id `id` and, for a request, with `timeoutMs` in its
 * timeout field, and no new frame: a frame under isJoinable's size is copied
 * whole into one buffer with its fixed part patched; a larger one is a new fixed part (and
 * CRC) beside the frame's own class, header and content. The frame itself is left as it
 * is: the listener answers with its id, and a retry or a mirror sends it again.
 */
export function encodeForward(frame: BoltFrame, id: number, timeoutMs?: number): Buffer[] {
  const layout = layoutFor(frame.proto, frame.type);
  const restLength = frame.classLen + frame.headerLen + frame.contentLen;
  const signed = layout.fixedLen + restLength;
  // A small frame leaves as one copy from the turn's write arena (one write of it, not two or three).
  const joined = isJoinable(signed + (frame.crc === undefined ? 0 : CRC_BYTES));
  const head = turnBuffer(joined ? signed + (frame.crc === undefined ? 0 : CRC_BYTES) : layout.fixedLen);
  copyFixedPart(frame, head, layout.fixedLen);
  head.writeInt32BE(id, layout.idAt);
  if (timeoutMs !== undefined && frame.type !== TYPE_RESPONSE) head.writeInt32BE(timeoutField(timeoutMs), layout.timeoutOrStatusAt);
  if (joined) {
    // The whole of `rest`: Node 20's copy of part of a buffer would make a view of that part.
    frame.rest.copy(head, layout.fixedLen);
    if (frame.crc !== undefined) head.writeInt32BE(crc32(head.subarray(0, signed)) | 0, signed);
    return [head];
  }
  const rest = frame.rest;
  return frame.crc === undefined ? [head, rest] : [head, rest, crcOf(head, rest)];
}

/** What a new frame is made of; build() fills in the lengths and bytes. */
export interface FrameSpec {
  readonly proto: 1 | 2;
  readonly ver1?: number;
  readonly type: number;
  readonly cmdCode: number;
  readonly ver2?: number;
  readonly requestId: number;
  readonly codec: number;
  readonly switchByte?: number;
  readonly timeout?: number;
  readonly status?: number;
  readonly className?: string;
  readonly headers?: ReadonlyMap<string, string>;
  readonly content?: Buffer;
}

/** Builds a frame the sidecar originates (heartbeats, local replies). */
export function buildFrame(spec: FrameSpec): BoltFrame {
  const layout = layoutFor(spec.proto, spec.type);
  const className = Buffer.from(spec.className ?? '', 'utf8');
  const headers = spec.headers ?? new Map<string, string>();
  const headerBytes = encodeHeaderMap(headers);
  const content = spec.content ?? Buffer.alloc(0);
  if (className.length > MAX_SHORT_LEN || headerBytes.length > MAX_SHORT_LEN) {
    throw new MeshError('PMESH_INTERNAL', 'bolt: class name or header map longer than 32767 bytes cannot be encoded');
  }
  const ver1 = spec.proto === PROTO_V2 ? (spec.ver1 ?? 1) : 0;
  const switchByte = spec.proto === PROTO_V2 ? (spec.switchByte ?? 0) : 0;
  const response = spec.type === TYPE_RESPONSE;
  const head = Buffer.alloc(layout.fixedLen);
  head[0] = spec.proto;
  if (spec.proto === PROTO_V2) {
    head[1] = ver1;
    head[layout.switchAt] = switchByte;
  }
  head[layout.typeAt] = spec.type;
  head.writeUInt16BE(spec.cmdCode, layout.cmdAt);
  head[layout.ver2At] = spec.ver2 ?? 1;
  head.writeInt32BE(spec.requestId, layout.idAt);
  head[layout.codecAt] = spec.codec;
  if (response) head.writeUInt16BE(spec.status ?? 0, layout.timeoutOrStatusAt);
  else head.writeInt32BE(spec.timeout ?? -1, layout.timeoutOrStatusAt);
  head.writeInt16BE(className.length, layout.classLenAt);
  head.writeInt16BE(headerBytes.length, layout.headerLenAt);
  head.writeInt32BE(content.length, layout.contentLenAt);
  const rest = Buffer.concat([className, headerBytes, content]);
  const withCrc = spec.proto === PROTO_V2 && ver1 === V2_VERSION_2 && (switchByte & SWITCH_CRC) !== 0;
  return {
    proto: spec.proto,
    ver1,
    type: spec.type,
    cmdCode: spec.cmdCode,
    ver2: spec.ver2 ?? 1,
    requestId: spec.requestId,
    codec: spec.codec,
    switchByte,
    timeout: response ? 0 : (spec.timeout ?? -1),
    status: response ? (spec.status ?? 0) : 0,
    className: spec.className ?? '',
    headers,
    classLen: className.length,
    headerLen: headerBytes.length,
    contentLen: content.length,
    head,
    rest,
    ...(withCrc ? { crc: crcOf(head, rest) } : {}),
  };
}
