/**
 * A decoded Bolt frame. It keeps its original bytes: `head` is the fixed part,
 * `rest` the class, header and content exactly as received, `crc` the v2 trailer.
 * Id and timeout rewrites replace `head` (and `crc`) with patched copies; `rest` is
 * never copied, so pass-through forwards the bytes it got.
 */
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

export function frameContent(frame: BoltFrame): Buffer {
  return frame.rest.subarray(frame.classLen + frame.headerLen);
}

export function hasCrc(frame: BoltFrame): boolean {
  return frame.crc !== undefined;
}
