/**
 * A connection's output: frames sent are copied into one buffer (frame headers and HPACK
 * blocks written there in place) and written once per turn of the event loop, one socket
 * write for every frame a turn produced, on all connections. A turn's frames cost one
 * buffer view and one write, not a buffer per frame header, per header block and per
 * concatenation; on a plain TCP socket the buffer itself is written over again once the
 * kernel took a write whole, rather than a new one made every 16 KiB.
 */
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { FRAME_HEADER_BYTES } from './frames.js';

/** The output buffer's size; a turn's frames that need more get a larger one. */
const OUTPUT_BYTES = 16 * 1024;
/** Room under which a written output buffer is let go rather than appended to next turn. */
const OUTPUT_MIN_ROOM = 1024;
const NO_OUTPUT = Buffer.alloc(0);
/** Payloads up to this size are copied byte by byte (cheaper than Buffer.copy for a few dozen bytes). */
const SMALL_COPY_BYTES = 64;

/** The outputs with frames gathered this turn, each once (its `marked` says it is here): an array, not a Set rebuilt as outputs come and go every turn. */
const dirty: FrameOutput[] = [];
let flushScheduled = false;

function flushAll(): void {
  flushScheduled = false;
  // Each is unmarked before its flush: one given frames meanwhile is added again, past this point, and visited in this walk.
  for (let i = 0; i < dirty.length; i++) {
    const output = dirty[i]!;
    output.marked = false;
    output.flush();
  }
  dirty.length = 0;
}

export class FrameOutput {
  readonly #socket: Duplex;
  /**
   * A plain TCP socket: a write it takes whole at once (nothing left buffered) went to the
   * kernel and holds no reference to the bytes, so the buffer is written over from its
   * start next turn instead of a new one made every 16 KiB. Not for TLS or a socket
   * standing in for one (a replayed connection), which may keep the bytes after write().
   */
  readonly #reusable: boolean;
  #discarded = false;
  /** In this turn's list of outputs to flush. */
  marked = false;
  /** Frames not yet written are the bytes [#start, #end) of #out; those before were handed to the socket. */
  #out = NO_OUTPUT;
  #start = 0;
  #end = 0;

  constructor(socket: Duplex) {
    this.#socket = socket;
    this.#reusable = socket instanceof Socket && !(socket as Socket & { encrypted?: boolean }).encrypted;
  }

  /** Whole frames made elsewhere (rare: SETTINGS, the first WINDOW_UPDATE, GOAWAY), copied in. */
  whole(first: Buffer, second?: Buffer): void {
    const out = this.#room(first.length + (second?.length ?? 0));
    this.#end += first.copy(out, this.#end);
    if (second) this.#end += second.copy(out, this.#end);
  }

  /** A frame whose payload is `source[start, end)`. */
  frame(type: number, flags: number, streamId: number, source: Buffer, start: number, end: number): void {
    const length = end - start;
    const out = this.#room(FRAME_HEADER_BYTES + length);
    let at = this.#end;
    out[at] = length >>> 16;
    out[at + 1] = (length >>> 8) & 0xff;
    out[at + 2] = length & 0xff;
    out[at + 3] = type;
    out[at + 4] = flags;
    out.writeUInt32BE(streamId, at + 5);
    at += FRAME_HEADER_BYTES;
    if (length > SMALL_COPY_BYTES) {
      at += source.copy(out, at, start, end);
    } else {
      // Header blocks and PINGs: a loop, where Buffer.copy of a slice would make a view to copy from.
      for (let i = start; i < end; i++) out[at++] = source[i]!;
    }
    this.#end = at;
  }

  /** A frame whose payload is one 32-bit word (RST_STREAM, WINDOW_UPDATE). */
  word(type: number, streamId: number, word: number): void {
    const out = this.#room(FRAME_HEADER_BYTES + 4);
    const at = this.#end;
    out[at] = 0;
    out[at + 1] = 0;
    out[at + 2] = 4;
    out[at + 3] = type;
    out[at + 4] = 0;
    out.writeUInt32BE(streamId, at + 5);
    out.writeUInt32BE(word >>> 0, at + 9);
    this.#end = at + 13;
  }

  /** Writes what was gathered (this turn's flush does it for every output marked). */
  flush(): void {
    const start = this.#start;
    const end = this.#end;
    if (start === end || this.#socket.destroyed) return;
    const out = this.#out;
    const socket = this.#socket;
    socket.write(out.subarray(start, end));
    if (this.#discarded) return;
    if (this.#reusable && socket.writableLength === 0) {
      this.#start = this.#end = 0;
      return;
    }
    // Still held by the socket: never written over; a buffer with little room left is let go.
    this.#start = end;
    if (out.length - end < OUTPUT_MIN_ROOM) {
      this.#out = NO_OUTPUT;
      this.#start = this.#end = 0;
    }
  }

  /** The connection closed: nothing more is written. */
  discard(): void {
    this.#discarded = true;
    this.#out = NO_OUTPUT;
    this.#start = this.#end = 0;
  }

  /**
   * The buffer with room for `bytes` more, and this output marked for the turn's flush.
   * Bytes already handed to the socket are never written over: a buffer without room is
   * replaced (what is not yet written moves to the new one), the old one lives as long as
   * the socket holds it.
   */
  #room(bytes: number): Buffer {
    if (!this.marked && !this.#discarded) {
      this.marked = true;
      dirty.push(this);
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flushAll);
      }
    }
    const out = this.#out;
    if (this.#end + bytes <= out.length) return out;
    const pending = this.#end - this.#start;
    // Doubled: a turn that outgrows its buffer copies what it gathered a few times, not once per frame.
    const grown = Buffer.allocUnsafe(Math.max(OUTPUT_BYTES, 2 * (pending + bytes)));
    out.copy(grown, 0, this.#start, this.#end);
    this.#out = grown;
    this.#start = 0;
    this.#end = pending;
    return grown;
  }
}
