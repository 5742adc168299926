/**
 * Incremental Dubbo frame decoder: an explicit two-state machine (header, body).
 *
 * The header is validated as soon as its 16 bytes are in: magic, serialization id
 * against the allow list, body length against `Limits.maxFrameBytes` (Dubbo's own
 * payload limit counts the body only, AbstractCodec.checkPayload, so we do too) and
 * event bodies against MAX_EVENT_BODY, all before a single body byte is buffered.
 * A frame that arrives inside one chunk is a zero-copy view of that chunk.
 */
import { MeshError } from '../../core/errors.js';
import type { FrameDecoder } from '../../core/codec.js';
import type { Limits } from '../../core/limits.js';
import {
  FLAG_EVENT,
  HEADER_LENGTH,
  HESSIAN_NULL,
  MAGIC_HIGH,
  MAGIC_LOW,
  MAX_EVENT_BODY,
  OFFSET_FLAG,
  OFFSET_LENGTH,
  SERIALIZATION_MASK,
  hex,
  type DubboFrame,
} from './layout.js';

const enum State {
  Header,
  Body,
}

export class DubboDecoder implements FrameDecoder<DubboFrame> {
  readonly #limits: Limits;
  readonly #allowed: ReadonlySet<number>;
  #state: State = State.Header;
  /** Bytes not yet consumed, in arrival order; `#length` is their total. */
  #chunks: Buffer[] = [];
  /** Bytes of the first chunk already cut into frames: the frames of one read share it, with no remainder view each. */
  #offset = 0;
  #length = 0;
  /** Body length of the frame whose header was accepted (state Body). */
  #bodyLength = 0;

  constructor(limits: Limits, allowed: ReadonlySet<number>) {
    this.#limits = limits;
    this.#allowed = allowed;
  }

  get buffered(): number {
    return this.#length;
  }

  push(chunk: Buffer): DubboFrame[] {
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#length += chunk.length;
    }
    const frames: DubboFrame[] = [];
    for (;;) {
      if (this.#state === State.Header) {
        if (!this.#acceptHeader()) return frames;
        this.#state = State.Body;
      }
      if (this.#length < HEADER_LENGTH + this.#bodyLength) return frames;
      frames.push(this.#takeFrame());
      this.#state = State.Header;
    }
  }

  /** Validates the next header once enough bytes are in; false means "need more". */
  #acceptHeader(): boolean {
    if (this.#length < 2) return false;
    const available = Math.min(this.#length, HEADER_LENGTH);
    const head = this.#contiguous(available);
    const at = this.#offset;
    if (head[at] !== MAGIC_HIGH || head[at + 1] !== MAGIC_LOW) {
      throw new MeshError('PMESH_CODEC_ERROR', `dubbo: bad magic ${hex(head.readUInt16BE(at), 4)}`);
    }
    if (available < 3) return false;
    const flag = head[at + OFFSET_FLAG] as number;
    const serialization = flag & SERIALIZATION_MASK;
    if (!this.#allowed.has(serialization)) {
      throw new MeshError(
        'PMESH_SERIALIZATION_NOT_ALLOWED',
        `dubbo: serialization id ${serialization} is not allowed (allowed: ${[...this.#allowed].join(', ')})`,
        { details: { serialization } },
      );
    }
    if (available < HEADER_LENGTH) return false;
    const length = head.readUInt32BE(at + OFFSET_LENGTH);
    if (length > this.#limits.maxFrameBytes) {
      throw new MeshError(
        'PMESH_FRAME_TOO_LARGE',
        `dubbo: body of ${length} bytes exceeds the limit of ${this.#limits.maxFrameBytes}`,
        { details: { limit: 'max_frame_bytes', max: this.#limits.maxFrameBytes, length } },
      );
    }
    if ((flag & FLAG_EVENT) !== 0 && length > MAX_EVENT_BODY) {
      throw new MeshError('PMESH_CODEC_ERROR', `dubbo: event frame with a body of ${length} bytes (at most ${MAX_EVENT_BODY})`);
    }
    this.#bodyLength = length;
    return true;
  }

  /**
   * The first `n` buffered bytes, contiguous, from index `#offset` of the buffer returned:
   * the first chunk itself when it holds them (no copy), else one copy of the whole queue,
   * which then replaces it (a frame that came in many reads is copied once, not per read).
   */
  #contiguous(n: number): Buffer {
    const first = this.#chunks[0] as Buffer;
    if (first.length - this.#offset >= n) return first;
    const rest = this.#chunks.slice(1);
    const all = Buffer.concat([first.subarray(this.#offset), ...rest], this.#length);
    this.#chunks = [all];
    this.#offset = 0;
    return all;
  }

  #takeFrame(): DubboFrame {
    const size = HEADER_LENGTH + this.#bodyLength;
    const bytes = this.#contiguous(size);
    const at = this.#offset;
    this.#length -= size;
    this.#offset += size;
    if (this.#offset === bytes.length) {
      this.#chunks.shift();
      this.#offset = 0;
    }
    const frame = new ReceivedFrame(bytes, at, size);
    if (((bytes[at + OFFSET_FLAG] as number) & FLAG_EVENT) !== 0) checkEventBody(frame.body);
    return frame;
  }
}

/**
 * A frame as read. The readers keep what they read on it (body.ts `requestHead`,
 * invocation.ts `responseView`); their slots exist from the start, so keeping one there
 * neither reshapes the object nor allocates a property store for it, once per frame.
 * `raw`, the whole frame in one Buffer, is cut from the read when asked for (heartbeats,
 * events): a forwarded call or reply is written from a new header and its `body`.
 */
class ReceivedFrame implements DubboFrame {
  readonly header: Buffer;
  readonly body: Buffer;
  requestHead: unknown = undefined;
  responseView: unknown = undefined;

  constructor(bytes: Buffer, at: number, size: number) {
    this.header = bytes.subarray(at, at + HEADER_LENGTH);
    this.body = bytes.subarray(at + HEADER_LENGTH, at + size);
  }

  get raw(): Buffer {
    const header = this.header;
    return Buffer.from(header.buffer, header.byteOffset, HEADER_LENGTH + this.body.length);
  }
}

/**
 * Events carry hessian2 null (heartbeats) or a short string ("R" read-only, "W"
 * writable); Dubbo's decodeEventData reads nothing else.
 */
function checkEventBody(body: Buffer): void {
  if (body.length === 0) return; // an empty event body is a heartbeat with no payload in old peers
  const first = body[0] as number;
  if (body.length === 1 && first === HESSIAN_NULL) return;
  if (first <= 0x1f && body.length === 1 + first) return;
  throw new MeshError('PMESH_CODEC_ERROR', `dubbo: event frame with an unexpected body (first byte ${hex(first)}, ${body.length} bytes)`);
}
