/**
 * The chunked transfer coding (RFC 9112 section 7.1) read as it arrives: hands on each
 * chunk's data and says where the message ends, so a keep-alive connection knows where the
 * next reply starts. Strict: a size is hex digits only (at most 12: 256 TiB), a chunk's data
 * must be followed by CRLF, extensions and trailers are bounded and then dropped.
 */
import { BadReplyError } from './http1-reply-head.js';

const MAX_SIZE_DIGITS = 12;
/** A size line's extension, and the trailer section, at most this many bytes each. */
const MAX_LINE_BYTES = 16 * 1024;

const enum State {
  Size,
  Extension,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  TrailerStart,
  Trailer,
  TrailerLf,
  FinalLf,
  Done,
}

const CR = 13;
const LF = 10;

function hexValue(byte: number): number {
  if (byte >= 48 && byte <= 57) return byte - 48;
  const lower = byte | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

export class ChunkedDecoder {
  /** The error a fault is thrown as: BadReplyError on the upstream side, the listener's own for a request body. */
  readonly #fail: (message: string) => Error;
  #state = State.Size;
  #size = 0;
  #digits = 0;
  #remaining = 0;
  #lineBytes = 0;

  constructor(fail: (message: string) => Error = (message) => new BadReplyError(message)) {
    this.#fail = fail;
  }

  get done(): boolean {
    return this.#state === State.Done;
  }

  /**
   * Reads `bytes` from `start`, handing each piece of chunk data to `onData`; returns how
   * many bytes it used (fewer than given only once the message has ended). Throws what `fail` makes.
   */
  feed(bytes: Buffer, start: number, onData: (data: Buffer) => void): number {
    let i = start;
    const end = bytes.length;
    while (i < end && this.#state !== State.Done) {
      if (this.#state === State.Data) {
        const take = Math.min(this.#remaining, end - i);
        onData(bytes.subarray(i, i + take));
        i += take;
        this.#remaining -= take;
        if (this.#remaining === 0) this.#state = State.DataCr;
        continue;
      }
      const byte = bytes[i++]!;
      switch (this.#state) {
        case State.Size: {
          const digit = hexValue(byte);
          if (digit >= 0) {
            if (++this.#digits > MAX_SIZE_DIGITS) throw this.#fail('chunk size too large');
            this.#size = this.#size * 16 + digit;
          } else if (this.#digits === 0) {
            throw this.#fail('bad chunk size');
          } else if (byte === CR) {
            this.#state = State.SizeLf;
          } else if (byte === 0x3b /* ; */) {
            this.#state = State.Extension;
            this.#lineBytes = 0;
          } else {
            throw this.#fail('bad chunk size');
          }
          break;
        }
        case State.Extension:
          if (byte === CR) this.#state = State.SizeLf;
          else if (byte === LF || byte === 0 || ++this.#lineBytes > MAX_LINE_BYTES) throw this.#fail('bad chunk extension');
          break;
        case State.SizeLf:
          if (byte !== LF) throw this.#fail('chunk size line not ended by CRLF');
          if (this.#size === 0) {
            this.#state = State.TrailerStart;
            this.#lineBytes = 0;
          } else {
            this.#remaining = this.#size;
            this.#state = State.Data;
          }
          this.#size = 0;
          this.#digits = 0;
          break;
        case State.DataCr:
          if (byte !== CR) throw this.#fail('chunk data not followed by CRLF');
          this.#state = State.DataLf;
          break;
        case State.DataLf:
          if (byte !== LF) throw this.#fail('chunk data not followed by CRLF');
          this.#state = State.Size;
          break;
        case State.TrailerStart:
          if (byte === CR) this.#state = State.FinalLf;
          else this.#trailerByte(byte);
          break;
        case State.Trailer:
          if (byte === CR) this.#state = State.TrailerLf;
          else this.#trailerByte(byte);
          break;
        case State.TrailerLf:
          if (byte !== LF) throw this.#fail('trailer line not ended by CRLF');
          this.#state = State.TrailerStart;
          break;
        case State.FinalLf:
          if (byte !== LF) throw this.#fail('chunked body not ended by CRLF');
          this.#state = State.Done;
          break;
      }
    }
    return i - start;
  }

  #trailerByte(byte: number): void {
    if (byte === LF || byte === 0 || ++this.#lineBytes > MAX_LINE_BYTES) throw this.#fail('bad trailer section');
    this.#state = State.Trailer;
  }
}
