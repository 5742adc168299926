/**
 * Incremental Bolt decoder: an explicit two-state machine (docs/architecture.md).
 *
 *   HEAD  wait for the fixed part (proto and type are checked byte by byte as they
 *         arrive, so garbage is refused on its first bytes); then validate every
 *         field and every declared length against the limits, BEFORE waiting for or
 *         buffering the body.
 *   BODY  wait for exactly the declared bytes, cut the frame, back to HEAD.
 *
 * Chunks are queued, not concatenated on arrival, so a frame fed one byte at a time
 * costs O(frame) and not O(frame^2).
 */
import { crc32 } from 'node:zlib';
import type { FrameDecoder } from '../../core/codec.js';
import { MeshError } from '../../core/errors.js';
import type { Limits } from '../../core/limits.js';
import { ReceivedFrame, type BoltFrame, type FixedFields } from './frame.js';
import { scanHeaderMap } from './headers.js';
import {
  CMD_GOAWAY, CMD_HEARTBEAT, CMD_REQUEST, CMD_RESPONSE, CRC_BYTES, PROTO_V1, PROTO_V2, SWITCH_CRC,
  TYPE_ONEWAY, TYPE_REQUEST, TYPE_RESPONSE, V2_VERSION_1, V2_VERSION_2, layoutFor, type FixedLayout,
} from './layout.js';
import { isKnownStatus } from './status.js';

export interface BoltDecoderOptions {
  readonly limits: Limits;
  /** Serializer ids accepted on RPC frames (docs/reliability.md); heartbeats carry no body and are exempt. */
  readonly allowedSerializers: ReadonlySet<number>;
}

function bad(message: string): MeshError {
  return new MeshError('PMESH_CODEC_ERROR', `bolt: ${message}`);
}

const hex = (n: number, width = 2): string => `0x${n.toString(16).padStart(width, '0')}`;

/**
 * The fixed fields of the frame being cut, handed to ReceivedFrame, which copies them:
 * one object for every frame, not one each.
 */
const cutFields: { -readonly [K in keyof FixedFields]: FixedFields[K] } = {
  proto: 1, ver1: 0, type: 0, cmdCode: 0, ver2: 0, requestId: 0, codec: 0, switchByte: 0, timeout: 0, status: 0, classLen: 0, headerLen: 0, contentLen: 0,
};

export class BoltDecoder implements FrameDecoder<BoltFrame> {
  readonly #options: BoltDecoderOptions;
  readonly #chunks: Buffer[] = [];
  /** Bytes of the first chunk already cut into frames: several frames of one read share it, with no remainder copy each. */
  #offset = 0;
  /** Bytes queued and not yet cut. */
  #length = 0;
  /** BODY state when set (the validated fixed part's layout); HEAD otherwise. */
  #layout: FixedLayout | undefined;
  /** In BODY state: the frame's whole length, and whether it ends in a CRC32. */
  #total = 0;
  #withCrc = false;

  constructor(options: BoltDecoderOptions) {
    this.#options = options;
  }

  get buffered(): number {
    return this.#length;
  }

  push(chunk: Buffer): BoltFrame[] {
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#length += chunk.length;
    }
    const frames: BoltFrame[] = [];
    for (;;) {
      if (this.#layout === undefined && !this.#readHead()) return frames;
      if (this.#length < this.#total) return frames;
      frames.push(this.#cut(this.#layout!, this.#total, this.#withCrc));
      this.#layout = undefined;
    }
  }

  /** Call at end of stream: throws if the peer stopped inside a frame. */
  finish(): void {
    if (this.#length > 0) {
      const need = this.#layout !== undefined ? this.#total : this.#peekLayout()?.fixedLen;
      throw bad(`connection ended inside a frame (${this.#length} of ${need ?? 'unknown'} bytes)`);
    }
  }

  /**
   * The first `n` queued bytes, contiguous, from index `#at` of the buffer returned: the
   * first chunk itself when it holds them (the usual case, no new Buffer per frame), else a
   * copy of the queue, which then replaces it.
   */
  #contiguous(n: number): Buffer {
    const first = this.#chunks[0] as Buffer;
    if (first.length - this.#offset < n) {
      const all = Buffer.concat(this.#chunks.length === 1 ? [first.subarray(this.#offset)] : [first.subarray(this.#offset), ...this.#chunks.slice(1)], this.#length);
      this.#chunks.length = 0;
      this.#chunks.push(all);
      this.#offset = 0;
      return all;
    }
    return first;
  }

  /** Drops the first `n` bytes, which lie in the first chunk (#contiguous made them so). */
  #consume(n: number): void {
    this.#length -= n;
    this.#offset += n;
    if (this.#offset === (this.#chunks[0] as Buffer).length) {
      this.#chunks.shift();
      this.#offset = 0;
    }
  }

  /** Checks proto/ver1/type as soon as their bytes exist; returns the layout once known. */
  #peekLayout(): FixedLayout | undefined {
    if (this.#length < 1) return undefined;
    const probeLength = Math.min(this.#length, 3);
    const probe = this.#contiguous(probeLength);
    const at = this.#offset;
    const proto = probe[at] as number;
    if (proto !== PROTO_V1 && proto !== PROTO_V2) throw bad(`unknown protocol code ${hex(proto)}`);
    const typeAt = proto === PROTO_V1 ? 1 : 2;
    if (proto === PROTO_V2 && probeLength >= 2) {
      const ver1 = probe[at + 1] as number;
      if (ver1 !== V2_VERSION_1 && ver1 !== V2_VERSION_2) throw bad(`unknown v2 protocol version ${hex(ver1)}`);
    }
    if (probeLength <= typeAt) return undefined;
    const type = probe[at + typeAt] as number;
    if (type !== TYPE_RESPONSE && type !== TYPE_REQUEST && type !== TYPE_ONEWAY) throw bad(`unknown command type ${hex(type)}`);
    return layoutFor(proto, type);
  }

  /** Validates the fixed part once its bytes are in and enters BODY state; false means "need more". */
  #readHead(): boolean {
    const layout = this.#peekLayout();
    if (layout === undefined || this.#length < layout.fixedLen) return false;
    // Fields are read where they lie in the queue: no Buffer is made for a head that is only validated.
    const head = this.#contiguous(layout.fixedLen);
    const at = this.#offset;
    const { limits, allowedSerializers } = this.#options;
    const type = head[at + layout.typeAt] as number;
    const cmd = head.readUInt16BE(at + layout.cmdAt);
    const response = type === TYPE_RESPONSE;
    const cmdOk = cmd === CMD_HEARTBEAT || cmd === CMD_GOAWAY || cmd === (response ? CMD_RESPONSE : CMD_REQUEST);
    if (!cmdOk) throw bad(`unknown command code ${cmd} for a ${response ? 'response' : 'request'}`);
    const codec = head[at + layout.codecAt] as number;
    if (cmd !== CMD_HEARTBEAT && !allowedSerializers.has(codec)) {
      throw new MeshError('PMESH_SERIALIZATION_NOT_ALLOWED', `bolt: serializer ${codec} is not allowed (allowed: ${[...allowedSerializers].join(', ')})`);
    }
    if (response) {
      const status = head.readUInt16BE(at + layout.timeoutOrStatusAt);
      if (!isKnownStatus(status)) throw bad(`unknown response status ${hex(status, 4)}`);
    }
    const switchByte = layout.switchAt < 0 ? 0 : (head[at + layout.switchAt] as number);
    if (switchByte > 0x7f) throw bad(`switch byte ${hex(switchByte)} out of range`);
    const classLen = head.readInt16BE(at + layout.classLenAt);
    const headerLen = head.readInt16BE(at + layout.headerLenAt);
    const contentLen = head.readInt32BE(at + layout.contentLenAt);
    if (classLen < 0) throw bad(`class length ${classLen} is negative`);
    if (headerLen < 0) throw bad(`header length ${headerLen} is negative`);
    if (contentLen < 0) throw bad(`content length ${contentLen} is negative`);
    if (classLen > limits.maxClassNameBytes) {
      throw new MeshError('PMESH_FRAME_TOO_LARGE', `bolt: class name of ${classLen} bytes exceeds the limit of ${limits.maxClassNameBytes}`, {
        details: { limit: 'max_class_name_bytes' },
      });
    }
    if (headerLen > limits.maxHeaderBytes) {
      throw new MeshError('PMESH_HEADERS_TOO_LARGE', `bolt: header map of ${headerLen} bytes exceeds the limit of ${limits.maxHeaderBytes}`, {
        details: { limit: 'max_header_bytes' },
      });
    }
    const withCrc = head[at] === PROTO_V2 && head[at + 1] === V2_VERSION_2 && (switchByte & SWITCH_CRC) !== 0;
    const total = layout.fixedLen + classLen + headerLen + contentLen + (withCrc ? CRC_BYTES : 0);
    if (total > limits.maxFrameBytes) {
      throw new MeshError('PMESH_FRAME_TOO_LARGE', `bolt: frame of ${total} bytes exceeds the limit of ${limits.maxFrameBytes}`, {
        details: { limit: 'max_frame_bytes' },
      });
    }
    this.#layout = layout;
    this.#total = total;
    this.#withCrc = withCrc;
    return true;
  }

  #cut(layout: FixedLayout, total: number, withCrc: boolean): BoltFrame {
    const bytes = this.#contiguous(total);
    const at = this.#offset;
    this.#consume(total);
    const bodyEnd = at + total - (withCrc ? CRC_BYTES : 0);
    const crc = withCrc ? bytes.subarray(bodyEnd, at + total) : undefined;
    if (crc !== undefined) {
      const computed = crc32(bytes.subarray(at, bodyEnd)) | 0;
      const carried = crc.readInt32BE(0);
      if (computed !== carried) throw bad(`CRC32 mismatch (frame ${hex(carried >>> 0, 8)}, computed ${hex(computed >>> 0, 8)})`);
    }
    // Fields are read where they lie in the read; the frame keeps the read and cuts no view of its parts (frame.ts).
    const classLen = bytes.readInt16BE(at + layout.classLenAt);
    const headerLen = bytes.readInt16BE(at + layout.headerLenAt);
    const type = bytes[at + layout.typeAt] as number;
    const response = type === TYPE_RESPONSE;
    const proto = bytes[at] === PROTO_V1 ? 1 : 2;
    const maxHeaderCount = this.#options.limits.maxHeaderCount;
    // The whole map is checked now (a bad one closes the connection, as before); only the entries read on every call become strings.
    const mapStart = at + layout.fixedLen + classLen;
    const known = scanHeaderMap(bytes, mapStart, mapStart + headerLen, maxHeaderCount);
    const fields = cutFields;
    fields.proto = proto;
    fields.ver1 = proto === 2 ? (bytes[at + 1] as number) : 0;
    fields.type = type;
    fields.cmdCode = bytes.readUInt16BE(at + layout.cmdAt);
    fields.ver2 = bytes[at + layout.ver2At] as number;
    fields.requestId = bytes.readInt32BE(at + layout.idAt);
    fields.codec = bytes[at + layout.codecAt] as number;
    fields.switchByte = layout.switchAt < 0 ? 0 : (bytes[at + layout.switchAt] as number);
    fields.timeout = response ? 0 : bytes.readInt32BE(at + layout.timeoutOrStatusAt);
    fields.status = response ? bytes.readUInt16BE(at + layout.timeoutOrStatusAt) : 0;
    fields.classLen = classLen;
    fields.headerLen = headerLen;
    fields.contentLen = bytes.readInt32BE(at + layout.contentLenAt);
    return new ReceivedFrame(fields, undefined, bytes, crc, known, maxHeaderCount, at);
  }
}
