/**
 * A decoded Bolt frame. It keeps its original bytes: `head` is the fixed part,
 * `rest` the class, header and content exactly as received, `crc` the v2 trailer.
 * Id and timeout rewrites replace `head` (and `crc`) with patched copies; `rest` is
 * never copied, so pass-through forwards the bytes it got.
 */
import { FoundHeaders, knownOf, parseHeaderMap, type HeaderKeys, type KnownHeaders } from './headers.js';
import { layoutFor } from './layout.js';

export interface BoltFrame {
  /** Protocol code: 1 (v1) or 2 (v2). */
  readonly proto: 1 | 2;
  /** v2 `ver1` (1 or 2); 0 in v1. */
  readonly ver1: number;
  readonly type: number;
  readonly cmdCode: number;
  readonly ver2: number;
  /** int32 as on the wire. */
  readonly requestId: number;
  /** Serializer id (1 = hessian2). */
  readonly codec: number;
  /** v2 switch byte; 0 in v1. */
  readonly switchByte: number;
  /** Requests: timeout in ms (-1 or 0 = none). Responses: 0. */
  readonly timeout: number;
  /** Responses: Bolt ResponseStatus. Requests: 0. */
  readonly status: number;
  readonly className: string;
  /** Header map pairs in wire order (null values already dropped, as Java does). */
  readonly headers: ReadonlyMap<string, string>;
  readonly classLen: number;
  readonly headerLen: number;
  readonly contentLen: number;
  /** The fixed part (22/20/24/22 bytes). */
  readonly head: Buffer;
  /** class + header + content, original bytes. */
  readonly rest: Buffer;
  /** The 4-byte CRC32 trailer, when the frame carries one. */
  readonly crc?: Buffer;
}

/** The fields of a frame the decoder reads from its fixed part. */
export interface FixedFields {
  readonly proto: 1 | 2;
  readonly ver1: number;
  readonly type: number;
  readonly cmdCode: number;
  readonly ver2: number;
  readonly requestId: number;
  readonly codec: number;
  readonly switchByte: number;
  readonly timeout: number;
  readonly status: number;
  readonly classLen: number;
  readonly headerLen: number;
  readonly contentLen: number;
}

/**
 * A frame as read from the wire (or one tracing appended header entries to, whose bytes
 * are as whole): its class name and header map become strings only when read (a pass-through call reads neither: routing takes `known`). The header
 * block was checked whole by the decoder, so building the map later cannot fail.
 *
 * A frame the decoder cut keeps the read it lies in (`source`, from `at`) rather than
 * Buffer views of its parts: `head` and `rest` are cut when read, and the pass-through
 * path reads neither (it copies the bytes from the read, and its bodies are offsets into it:
 * `restSource`, `restOffset`, `copyFixedPart`). Two views per frame were made for nothing.
 */
export class ReceivedFrame implements BoltFrame {
  readonly proto: 1 | 2;
  readonly ver1: number;
  readonly type: number;
  readonly cmdCode: number;
  readonly ver2: number;
  readonly requestId: number;
  readonly codec: number;
  readonly switchByte: number;
  readonly timeout: number;
  readonly status: number;
  readonly classLen: number;
  readonly headerLen: number;
  readonly contentLen: number;
  readonly crc: Buffer | undefined;
  /** The entries of `headers` read on every call, found by the decoder without building the map. */
  readonly known: KnownHeaders;
  /** The buffer the frame's fixed part starts in at `at`, its other parts right after it. */
  readonly source: Buffer;
  readonly at: number;
  readonly fixedLen: number;
  readonly #maxHeaderCount: number;
  #head: Buffer | undefined;
  #rest: Buffer | undefined;
  #className: string | undefined;
  #headers: ReadonlyMap<string, string> | undefined;

  /**
   * `head` and `rest` as Buffers (a frame made from parts), or `head` undefined and `rest`
   * the read holding the whole frame from `at` on (the decoder's).
   */
  constructor(fields: FixedFields, head: Buffer | undefined, rest: Buffer, crc: Buffer | undefined, known: KnownHeaders, maxHeaderCount: number, at = 0) {
    this.proto = fields.proto;
    this.ver1 = fields.ver1;
    this.type = fields.type;
    this.cmdCode = fields.cmdCode;
    this.ver2 = fields.ver2;
    this.requestId = fields.requestId;
    this.codec = fields.codec;
    this.switchByte = fields.switchByte;
    this.timeout = fields.timeout;
    this.status = fields.status;
    this.classLen = fields.classLen;
    this.headerLen = fields.headerLen;
    this.contentLen = fields.contentLen;
    this.crc = crc;
    this.known = known;
    this.#maxHeaderCount = maxHeaderCount;
    this.#head = head;
    if (head === undefined) {
      this.source = rest;
      this.at = at;
      this.fixedLen = layoutFor(fields.proto, fields.type).fixedLen;
      this.#rest = undefined;
    } else {
      this.source = rest;
      this.at = 0;
      this.fixedLen = 0;
      this.#rest = rest;
    }
  }

  /** The fixed part. */
  get head(): Buffer {
    return (this.#head ??= this.source.subarray(this.at, this.at + this.fixedLen));
  }

  /** Class, header map and content, as received. */
  get rest(): Buffer {
    return (this.#rest ??= this.source.subarray(this.at + this.fixedLen, this.at + this.fixedLen + this.classLen + this.headerLen + this.contentLen));
  }

  get className(): string {
    return (this.#className ??= this.source.toString('utf8', this.at + this.fixedLen, this.at + this.fixedLen + this.classLen));
  }

  get headers(): ReadonlyMap<string, string> {
    const start = this.at + this.fixedLen + this.classLen;
    return (this.#headers ??= parseHeaderMap(this.source.subarray(start, start + this.headerLen), this.#maxHeaderCount));
  }
}

/** The buffer `frame.rest` lies in, from `restOffset(frame)`: read without cutting a view of it. */
export function restSource(frame: BoltFrame): Buffer {
  return frame instanceof ReceivedFrame ? frame.source : frame.rest;
}

export function restOffset(frame: BoltFrame): number {
  return frame instanceof ReceivedFrame ? frame.at + frame.fixedLen : 0;
}

/**
 * Copies the frame's fixed part (`fixedLen` bytes, at most 24) to the start of `target`, byte
 * by byte: Node 20's `copy` of part of a buffer makes a Uint8Array view of that part first.
 */
export function copyFixedPart(frame: BoltFrame, target: Buffer, fixedLen: number): void {
  if (frame instanceof ReceivedFrame && frame.fixedLen === fixedLen) {
    const source = frame.source;
    const at = frame.at;
    for (let i = 0; i < fixedLen; i++) target[i] = source[at + i]!;
  } else {
    frame.head.copy(target, 0, 0, fixedLen);
  }
}

/**
 * The entries of a frame's header map named by `keys`, looked up in its bytes without
 * building the map (tracing reads a few on every call). Every frame's `rest` holds
 * its header block: as received, or as the encoder wrote it.
 */
export function findHeaders(frame: BoltFrame, keys: HeaderKeys): FoundHeaders {
  return new FoundHeaders(frame.rest, frame.classLen, frame.classLen + frame.headerLen, keys);
}

/**
 * The entries read on every call: found by the decoder, or taken from the map of any
 * other frame (one built here, or a copy with other headers, which is no ReceivedFrame).
 */
export function knownHeaders(frame: BoltFrame): KnownHeaders {
  return frame instanceof ReceivedFrame ? frame.known : knownOf(frame.headers);
}

/**
 * A plain copy of a frame with some fields replaced. Spelled out rather than spread:
 * a ReceivedFrame's className and headers are getters, which a spread would drop.
 */
export function frameWith(frame: BoltFrame, changes: Partial<BoltFrame>): BoltFrame {
  const copy: BoltFrame = {
    proto: frame.proto,
    ver1: frame.ver1,
    type: frame.type,
    cmdCode: frame.cmdCode,
    ver2: frame.ver2,
    requestId: frame.requestId,
    codec: frame.codec,
    switchByte: frame.switchByte,
    timeout: frame.timeout,
    status: frame.status,
    className: frame.className,
    headers: frame.headers,
    classLen: frame.classLen,
    headerLen: frame.headerLen,
    contentLen: frame.contentLen,
    head: frame.head,
    rest: frame.rest,
    ...(frame.crc === undefined ? {} : { crc: frame.crc }),
    ...changes,
  };
  return copy;
}

export function frameContent(frame: BoltFrame): Buffer {
  return frame.rest.subarray(frame.classLen + frame.headerLen);
}

export function hasCrc(frame: BoltFrame): boolean {
  return frame.crc !== undefined;
}
