/**
 * The Dubbo 2.x frame (still the `dubbo` protocol of Dubbo 3.3), docs/protocols.md.
 * Mirrors apache/dubbo remoting-api exchange/codec/ExchangeCodec.java (header, flags),
 * rpc-dubbo DubboCodec.java (body layout, result flags) and exchange/Response.java
 * (status bytes).
 *
 *   0       1       2       3       4                              12              16
 *   +-------+-------+-------+-------+-------------------------------+---------------+
 *   | magic 0xdabb  | flag  |status |  request id (int64, BE)       | body length   |
 *   +-------+-------+-------+-------+-------------------------------+ (int32, BE)   |
 *                   |                                               +---------------+
 *        flag bits: 0x80 request | 0x40 two-way | 0x20 event | 0x1f serialization id
 *
 *   request body (hessian2, one stream): "2.0.2" path version method descriptor
 *                                         arg... attachments-map
 *   response body, status 20: int result-flag [value | exception] [attachments-map]
 *   response body, other status: one string, the error message
 *   heartbeat: event flag, body = serialized null (hessian2: 'N')
 */

export const HEADER_LENGTH = 16;
export const MAGIC = 0xdabb;
export const MAGIC_HIGH = 0xda;
export const MAGIC_LOW = 0xbb;

export const OFFSET_FLAG = 2;
export const OFFSET_STATUS = 3;
export const OFFSET_ID = 4;
export const OFFSET_LENGTH = 12;

export const FLAG_REQUEST = 0x80;
export const FLAG_TWOWAY = 0x40;
export const FLAG_EVENT = 0x20;
export const SERIALIZATION_MASK = 0x1f;

/** Serialization ids (dubbo-serialization-api common/serialize/Constants.java). */
export const SERIALIZATION_HESSIAN2 = 2;
/** The only id accepted unless configured otherwise: CVE-2021-25641 switched this byte to reach kryo/fst/java. */
export const DEFAULT_ALLOWED_SERIALIZATIONS: readonly number[] = Object.freeze([SERIALIZATION_HESSIAN2]);

/** Response status bytes (exchange/Response.java). */
export const Status = {
  OK: 20,
  SERIALIZATION_ERROR: 25,
  CLIENT_TIMEOUT: 30,
  SERVER_TIMEOUT: 31,
  CHANNEL_INACTIVE: 35,
  BAD_REQUEST: 40,
  BAD_RESPONSE: 50,
  SERVICE_NOT_FOUND: 60,
  SERVICE_ERROR: 70,
  SERVER_ERROR: 80,
  CLIENT_ERROR: 90,
  SERVER_THREADPOOL_EXHAUSTED_ERROR: 100,
} as const;

/** Result flags at the start of an OK response body (DubboCodec.java RESPONSE_*). */
export const ResultFlag = {
  WITH_EXCEPTION: 0,
  VALUE: 1,
  NULL_VALUE: 2,
  WITH_EXCEPTION_WITH_ATTACHMENTS: 3,
  VALUE_WITH_ATTACHMENTS: 4,
  NULL_VALUE_WITH_ATTACHMENTS: 5,
} as const;

/** The protocol version a Java consumer writes first in every request (Version.java). */
export const DUBBO_PROTOCOL_VERSION = '2.0.2';

/** Hessian2 `null`: the whole body of a heartbeat and its reply (CodecSupport.getNullBytesOf). */
export const HESSIAN_NULL = 0x4e;

/** Read-only / writable event payloads (CommonConstants READONLY_EVENT, WRITEABLE_EVENT). */
export const READONLY_EVENT = 'R';
export const WRITEABLE_EVENT = 'W';

/** Events carry null or a one-letter string; anything longer is refused at the header. */
export const MAX_EVENT_BODY = 64;

/** Method names of generic calls (CommonConstants $INVOKE, $INVOKE_ASYNC). */
export const GENERIC_METHODS: ReadonlySet<string> = new Set(['$invoke', '$invokeAsync']);

/**
 * One Dubbo frame. `header` is the 16 header bytes and `body` the rest; `raw`, when
 * set, is the untouched original frame (header + body, contiguous), which `encode`
 * returns as is so pass-through frames keep their bytes.
 */
export interface DubboFrame {
  readonly header: Buffer;
  readonly body: Buffer;
  readonly raw: Buffer | undefined;
  /**
   * A rewritten body as slices of the received one around the new bytes, written as they
   * are (writev); `body` then joins them only if something reads it.
   */
  readonly bodyParts?: readonly Buffer[];
}

export const flagOf = (frame: DubboFrame): number => frame.header[OFFSET_FLAG] as number;
export const statusOf = (frame: DubboFrame): number => frame.header[OFFSET_STATUS] as number;
export const serializationOf = (frame: DubboFrame): number => flagOf(frame) & SERIALIZATION_MASK;
export const isRequest = (frame: DubboFrame): boolean => (flagOf(frame) & FLAG_REQUEST) !== 0;
export const isTwoWay = (frame: DubboFrame): boolean => (flagOf(frame) & FLAG_TWOWAY) !== 0;
export const isEvent = (frame: DubboFrame): boolean => (flagOf(frame) & FLAG_EVENT) !== 0;
/** The id as Java sees it: a signed long (ids wrap through negatives, Request.java). */
export const idOf = (frame: DubboFrame): bigint => frame.header.readBigInt64BE(OFFSET_ID);

const TWO_TO_32 = 0x1_0000_0000;

/** The high word of a safe integer lies within these (2^53 / 2^32 = 2^21). */
const SAFE_HIGH = 0x20_0000;

/**
 * The same signed long as a RequestId: a number when it is a safe integer, read as two
 * 32-bit halves so no BigInt is made (every id a pool gives), else a bigint, exact
 * (Java Dubbo 3 starts its counter at a random long).
 */
export function requestIdOf(frame: DubboFrame): number | bigint {
  const high = frame.header.readInt32BE(OFFSET_ID);
  if (high >= SAFE_HIGH || high < -SAFE_HIGH) return frame.header.readBigInt64BE(OFFSET_ID);
  return high * TWO_TO_32 + frame.header.readUInt32BE(OFFSET_ID + 4);
}

/** Writes an id into a header as the signed long (two's complement, modulo 2^64); a number without a BigInt. */
export function writeId(header: Buffer, id: number | bigint): void {
  if (typeof id === 'bigint') {
    header.writeBigUInt64BE(BigInt.asUintN(64, id), OFFSET_ID);
    return;
  }
  const high = Math.floor(id / TWO_TO_32);
  header.writeInt32BE(high, OFFSET_ID);
  header.writeUInt32BE(id - high * TWO_TO_32, OFFSET_ID + 4);
}

/** A heartbeat request or reply: event flag and a body that is hessian2 null. */
export const isHeartbeatBody = (frame: DubboFrame): boolean => frame.body.length === 1 && frame.body[0] === HESSIAN_NULL;

/** Builds a 16-byte header. `id` is written modulo 2^64, so signed and unsigned views agree. */
export function makeHeader(flag: number, status: number, id: bigint, bodyLength: number): Buffer {
  const header = Buffer.allocUnsafe(HEADER_LENGTH);
  header[0] = MAGIC_HIGH;
  header[1] = MAGIC_LOW;
  header[OFFSET_FLAG] = flag;
  header[OFFSET_STATUS] = status;
  header.writeBigUInt64BE(BigInt.asUintN(64, id), OFFSET_ID);
  header.writeUInt32BE(bodyLength, OFFSET_LENGTH);
  return header;
}

/** A frame made by the sidecar (no original bytes). */
export function makeFrame(flag: number, status: number, id: bigint, body: Buffer): DubboFrame {
  return { header: makeHeader(flag, status, id, body.length), body, raw: undefined };
}

export const hex = (value: number, digits = 2): string => `0x${value.toString(16).padStart(digits, '0')}`;
