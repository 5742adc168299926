/**
 * HTTP/2 framing (RFC 9113 section 4): the 9-byte frame header, the frame types and
 * flags the relay acts on, and a reader that cuts a socket's byte stream into frames.
 * Payloads are views into the bytes read (no copy); a frame that spans reads is joined
 * once. A frame over the advertised SETTINGS_MAX_FRAME_SIZE is a connection error.
 */

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
export const FRAME_HEADER_BYTES = 9;
export const DEFAULT_MAX_FRAME_BYTES = 16_384;
export const DEFAULT_WINDOW_BYTES = 65_535;
export const MAX_WINDOW_BYTES = 0x7fff_ffff;

export const enum FrameType {
  DATA = 0x0,
  HEADERS = 0x1,
  PRIORITY = 0x2,
  RST_STREAM = 0x3,
  SETTINGS = 0x4,
  PUSH_PROMISE = 0x5,
  PING = 0x6,
  GOAWAY = 0x7,
  WINDOW_UPDATE = 0x8,
  CONTINUATION = 0x9,
}

export const enum Flag {
  END_STREAM = 0x1,
  ACK = 0x1,
  END_HEADERS = 0x4,
  PADDED = 0x8,
  PRIORITY = 0x20,
}

export const enum Setting {
  HEADER_TABLE_SIZE = 0x1,
  ENABLE_PUSH = 0x2,
  MAX_CONCURRENT_STREAMS = 0x3,
  INITIAL_WINDOW_SIZE = 0x4,
  MAX_FRAME_SIZE = 0x5,
  MAX_HEADER_LIST_SIZE = 0x6,
}

export const enum ErrorCode {
  NO_ERROR = 0x0,
  PROTOCOL_ERROR = 0x1,
  INTERNAL_ERROR = 0x2,
  FLOW_CONTROL_ERROR = 0x3,
  STREAM_CLOSED = 0x5,
  FRAME_SIZE_ERROR = 0x6,
  REFUSED_STREAM = 0x7,
  CANCEL = 0x8,
  COMPRESSION_ERROR = 0x9,
  ENHANCE_YOUR_CALM = 0xb,
}

/** A connection error: the connection is sent GOAWAY with `code` and closed. */
export class Http2ProtocolError extends Error {
  override readonly name = 'Http2ProtocolError';

  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** A frame header followed by `payloadBytes` (the payload is written after it). */
export function frameHeader(type: number, flags: number, streamId: number, payloadBytes: number): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header[0] = payloadBytes >>> 16;
  header[1] = (payloadBytes >>> 8) & 0xff;
  header[2] = payloadBytes & 0xff;
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return header;
}

/** A whole frame whose payload is a few 32-bit words (RST_STREAM, WINDOW_UPDATE, GOAWAY's head). */
export function wordFrame(type: number, flags: number, streamId: number, words: readonly number[], tail?: Buffer): Buffer {
  const tailBytes = tail?.length ?? 0;
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + words.length * 4 + tailBytes);
  const length = words.length * 4 + tailBytes;
  frame[0] = length >>> 16;
  frame[1] = (length >>> 8) & 0xff;
  frame[2] = length & 0xff;
  frame[3] = type;
  frame[4] = flags;
  frame.writeUInt32BE(streamId, 5);
  for (let i = 0; i < words.length; i++) frame.writeUInt32BE(words[i]! >>> 0, FRAME_HEADER_BYTES + i * 4);
  if (tail) tail.copy(frame, FRAME_HEADER_BYTES + words.length * 4);
  return frame;
}

export function settingsFrame(settings: ReadonlyArray<readonly [number, number]>): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + settings.length * 6);
  frameHeader(FrameType.SETTINGS, 0, 0, settings.length * 6).copy(frame);
  settings.forEach(([id, value], i) => {
    frame.writeUInt16BE(id, FRAME_HEADER_BYTES + i * 6);
    frame.writeUInt32BE(value >>> 0, FRAME_HEADER_BYTES + i * 6 + 2);
  });
  return frame;
}

export interface FrameSink {
  /**
   * One frame, its payload `bytes[start, end)`: offsets into the bytes read rather than a
   * view of them, so a frame read where it lies (HEADERS, WINDOW_UPDATE...) makes no Buffer;
   * DATA, which is passed on, is viewed by the sink.
   */
  onFrame(type: number, flags: number, streamId: number, bytes: Buffer, start: number, end: number): void;
}

/** Cuts bytes into frames for `sink`; `maxFrameBytes` is what this side advertised. */
export class FrameReader {
  #pending: Buffer | undefined;
  readonly #maxFrameBytes: number;
  readonly #sink: FrameSink;

  constructor(sink: FrameSink, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    this.#sink = sink;
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** Throws Http2ProtocolError on a frame over the size limit. */
  push(chunk: Buffer): void {
    let bytes = chunk;
    if (this.#pending) {
      bytes = Buffer.concat([this.#pending, chunk]);
      this.#pending = undefined;
    }
    let at = 0;
    const end = bytes.length;
    while (end - at >= FRAME_HEADER_BYTES) {
      const length = (bytes[at]! << 16) | (bytes[at + 1]! << 8) | bytes[at + 2]!;
      if (length > this.#maxFrameBytes) throw new Http2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, `frame of ${length} bytes over the limit of ${this.#maxFrameBytes}`);
      if (end - at < FRAME_HEADER_BYTES + length) break;
      const type = bytes[at + 3]!;
      const flags = bytes[at + 4]!;
      const streamId = bytes.readUInt32BE(at + 5) & 0x7fff_ffff;
      const start = at + FRAME_HEADER_BYTES;
      at = start + length;
      this.#sink.onFrame(type, flags, streamId, bytes, start, at);
    }
    if (at < end) this.#pending = bytes.subarray(at);
  }
}

/** The payload of a DATA or HEADERS frame without its padding (and a HEADERS frame's priority fields). */
export function unpadded(type: number, flags: number, payload: Buffer): Buffer {
  // Nearly every frame: the payload itself, no second view of it.
  if ((flags & (Flag.PADDED | Flag.PRIORITY)) === 0) return payload;
  let start = 0;
  let end = payload.length;
  if (flags & Flag.PADDED) {
    if (payload.length < 1) throw new Http2ProtocolError(ErrorCode.PROTOCOL_ERROR, 'padded frame without a pad length');
    end -= payload[0]!;
    start = 1;
  }
  if (type === FrameType.HEADERS && flags & Flag.PRIORITY) start += 5;
  if (end < start) throw new Http2ProtocolError(ErrorCode.PROTOCOL_ERROR, 'padding longer than the frame');
  return payload.subarray(start, end);
}
