/**
 * One HTTP/2 connection on a raw socket, either side: the preface, SETTINGS and their
 * ACK, PING answers, connection-level flow control, header blocks (HEADERS then any
 * CONTINUATION) decoded with HPACK, and GOAWAY. Stream frames go to the owner
 * (`ConnectionEvents`); the owner keeps each stream's state. Frames sent are gathered
 * and written once per turn of the event loop (`output.ts`), which is most of what makes
 * a relay cheap.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_WINDOW_BYTES,
  ErrorCode,
  Flag,
  FrameReader,
  FrameType,
  Http2ProtocolError,
  MAX_WINDOW_BYTES,
  PREFACE,
  Setting,
  settingsFrame,
  unpadded,
  wordFrame,
  type FrameSink,
} from './frames.js';
import { HpackDecoder, HpackEncoder } from './hpack.js';
import { FrameOutput } from './output.js';

/** This side's receive window for the whole connection (stream windows stay at the default 64 KiB). */
export const CONNECTION_WINDOW_BYTES = 8 * 1024 * 1024;
/** A connection WINDOW_UPDATE is sent once this much was consumed (a quarter of the window). */
const CONNECTION_CREDIT_STEP = CONNECTION_WINDOW_BYTES / 4;
const EMPTY = Buffer.alloc(0);
export interface ConnectionEvents {
  /**
   * A complete header block on a stream; `listBytes` is its RFC 9113 header list size.
   * `headers` may be the list of an earlier block (HPACK's memo): never modified, kept as long as needed.
   */
  onHeaders(conn: H2Connection, streamId: number, headers: readonly string[], listBytes: number, endStream: boolean): void;
  /** DATA; `flowBytes` is what it took of the window (padding included). */
  onData(conn: H2Connection, streamId: number, payload: Buffer, flowBytes: number, endStream: boolean): void;
  onReset(conn: H2Connection, streamId: number, code: number): void;
  /** The send window of a stream grew by `increment` (for stream 0, the connection's: already added to `sendWindow`). */
  onWindow(conn: H2Connection, streamId: number, increment: number): void;
  /** The peer changed SETTINGS_INITIAL_WINDOW_SIZE by `delta`: every open stream's send window moves by it. */
  onInitialWindow(conn: H2Connection, delta: number): void;
  onGoaway(conn: H2Connection, lastStreamId: number, code: number): void;
  onPing(conn: H2Connection): void;
  onSettings(conn: H2Connection): void;
  onClose(conn: H2Connection, error: Error | undefined): void;
}

export interface PeerSettings {
  maxConcurrentStreams: number;
  initialWindow: number;
  maxFrameBytes: number;
  maxHeaderListBytes: number;
}

export class H2Connection implements FrameSink {
  /** A socket, a TLS socket, or a Duplex standing in for one (a connection replayed after sniffing). */
  readonly socket: Duplex;
  readonly peer: PeerSettings = { maxConcurrentStreams: 100, initialWindow: DEFAULT_WINDOW_BYTES, maxFrameBytes: DEFAULT_MAX_FRAME_BYTES, maxHeaderListBytes: Infinity };
  /** How much DATA this side may still send on the connection. */
  sendWindow = DEFAULT_WINDOW_BYTES;
  closed = false;
  goawayReceived = false;
  /** Set when a PING this side sent is acknowledged (keepalive clears it before each probe). */
  pingAnswered = false;
  readonly #events: ConnectionEvents;
  readonly #reader: FrameReader;
  readonly #decoder = new HpackDecoder();
  readonly #encoder = new HpackEncoder();
  readonly #server: boolean;
  #prefaceLeft: number;
  readonly #output: FrameOutput;
  #credit = 0;
  /** What the peer may still send on the connection. */
  #recvWindow = CONNECTION_WINDOW_BYTES;
  /** A header block being gathered: its stream, flags and fragments. */
  #blockStream = 0;
  #blockFlags = 0;
  #blockParts: Buffer[] = [];
  #blockBytes = 0;
  readonly #maxHeaderBlockBytes: number;

  /**
   * `server`: the peer sends the client preface first. `settings` are this side's
   * (sent at once, before any other frame). `head`: bytes already read from the socket.
   */
  constructor(socket: Duplex, server: boolean, events: ConnectionEvents, settings: ReadonlyArray<readonly [number, number]>, maxHeaderListBytes: number, head?: Buffer) {
    this.socket = socket;
    this.#output = new FrameOutput(socket);
    this.#server = server;
    this.#events = events;
    this.#prefaceLeft = server ? PREFACE.length : 0;
    this.#maxHeaderBlockBytes = maxHeaderListBytes * 2;
    this.#reader = new FrameReader(this);
    // No Nagle: HEADERS and trailers are small writes that must not wait for an ACK.
    (socket as Partial<Socket>).setNoDelay?.(true);
    if (!server) this.#send(PREFACE);
    this.#send(settingsFrame(settings));
    this.#send(wordFrame(FrameType.WINDOW_UPDATE, 0, 0, [CONNECTION_WINDOW_BYTES - DEFAULT_WINDOW_BYTES]));
    socket.on('data', (chunk: Buffer) => this.#onBytes(chunk));
    // A socket handed over after sniffing was paused by whoever sniffed it.
    socket.resume();
    socket.on('error', (error) => this.#close(error));
    socket.on('close', () => this.#close(undefined));
    // After the owner has this connection (it is being constructed now), before the socket's next read.
    if (head && head.length > 0) queueMicrotask(() => this.#onBytes(head));
  }

  get isServer(): boolean {
    return this.#server;
  }

  #onBytes(chunk: Buffer): void {
    try {
      if (this.#prefaceLeft > 0) {
        const take = Math.min(this.#prefaceLeft, chunk.length);
        const offset = PREFACE.length - this.#prefaceLeft;
        if (chunk.compare(PREFACE, offset, offset + take, 0, take) !== 0) throw new Http2ProtocolError(ErrorCode.PROTOCOL_ERROR, 'not the HTTP/2 client preface');
        this.#prefaceLeft -= take;
        chunk = chunk.subarray(take);
        if (chunk.length === 0) return;
      }
      this.#reader.push(chunk);
    } catch (error) {
      this.fail(error instanceof Http2ProtocolError ? error : new Http2ProtocolError(ErrorCode.INTERNAL_ERROR, String(error)));
    }
  }

  onFrame(type: number, flags: number, streamId: number, bytes: Buffer, start: number, end: number): void {
    if (this.#blockStream !== 0 && type !== FrameType.CONTINUATION) throw new Http2ProtocolError(ErrorCode.PROTOCOL_ERROR, 'header block interrupted');
    const length = end - start;
    switch (type) {
      case FrameType.DATA: {
        if (streamId === 0) throw new Http2ProtocolError(ErrorCode.PROTOCOL_ERROR, 'DATA on stream 0');
        this.#recvWindow -= length;
        if (this.#recvWindow < 0) throw new Http2ProtocolError(ErrorCode.FLOW_CONTROL_ERROR, 'DATA past the connection window');
        this.#events.onData(this, streamId, unpadded(type, flags, bytes.subarray(start, end)), length, (flags & Flag.END_STREAM) !== 0);
        return;
      }
      case FrameType.HEADERS:
        if (streamId === 0) throw new Http2ProtocolError(ErrorCode.PROTOCOL_ERROR, 'HEADERS on stream 0');
        this.#blockStream = streamId;
        this.#blockFlags = flags;
        if ((flags & (Flag.PADDED | Flag.PRIORITY)) === 0) {
          this.#fragment(bytes, start, end, flags);
        } else {
          const part = unpadded(type, flags, bytes.subarray(start, end));
          this.#fragment(part, 0, part.length, flags);
        }
        return;
      case FrameType.CONTINUATION:
        if (streamId !== this.#blockStream || streamId === 0) throw new Http2ProtocolError(ErrorCode.PROTOCOL_ERROR, 'CONTINUATION without its HEADERS');
        this.#fragment(bytes, start, end, flags);
        return;
      case FrameType.RST_STREAM:
        if (length !== 4) throw new Http2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, 'RST_STREAM not 4 bytes');
        this.#events.onReset(this, streamId, bytes.readUInt32BE(start));
        return;
      case FrameType.SETTINGS:
        this.#onSettings(flags, bytes, start, end);
        return;
      case FrameType.PING:
        if (length !== 8) throw new Http2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, 'PING not 8 bytes');
        if ((flags & Flag.ACK) === 0) {
          this.#frame(FrameType.PING, Flag.ACK, 0, bytes, start, end);
          this.#events.onPing(this);
        } else {
          this.pingAnswered = true;
        }
        return;
      case FrameType.GOAWAY:
        if (length < 8) throw new Http2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, 'GOAWAY under 8 bytes');
        this.goawayReceived = true;
        this.#events.onGoaway(this, bytes.readUInt32BE(start) & 0x7fff_ffff, bytes.readUInt32BE(start + 4));
        return;
      case FrameType.WINDOW_UPDATE: {
        if (length !== 4) throw new Http2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, 'WINDOW_UPDATE not 4 bytes');
        const increment = bytes.readUInt32BE(start) & 0x7fff_ffff;
        if (streamId === 0) {
          this.sendWindow += increment;
          if (this.sendWindow > MAX_WINDOW_BYTES) throw new Http2ProtocolError(ErrorCode.FLOW_CONTROL_ERROR, 'connection window over 2^31-1');
        }
        this.#events.onWindow(this, streamId, increment);
        return;
      }
      case FrameType.PUSH_PROMISE:
        throw new Http2ProtocolError(ErrorCode.PROTOCOL_ERROR, 'PUSH_PROMISE (push is off)');
      default:
        // PRIORITY and unknown types carry nothing a relay acts on.
        return;
    }
  }

  /** A header block fragment `bytes[start, end)`. */
  #fragment(bytes: Buffer, start: number, end: number, flags: number): void {
    this.#blockBytes += end - start;
    if (this.#blockBytes > this.#maxHeaderBlockBytes) throw new Http2ProtocolError(ErrorCode.ENHANCE_YOUR_CALM, `header block over ${this.#maxHeaderBlockBytes} bytes`);
    const whole = (flags & Flag.END_HEADERS) !== 0;
    // A block in one HEADERS frame (nearly all) is decoded where it lies; only CONTINUATIONs are gathered.
    if (whole && this.#blockParts.length === 0) {
      this.#headerBlock(bytes, start, end);
      return;
    }
    this.#blockParts.push(bytes.subarray(start, end));
    if (!whole) return;
    const block = Buffer.concat(this.#blockParts);
    this.#blockParts = [];
    this.#headerBlock(block, 0, block.length);
  }

  #headerBlock(bytes: Buffer, start: number, end: number): void {
    const streamId = this.#blockStream;
    const endStream = (this.#blockFlags & Flag.END_STREAM) !== 0;
    this.#blockStream = 0;
    this.#blockBytes = 0;
    const decoder = this.#decoder;
    const headers = decoder.decodeRange(bytes, start, end);
    this.#events.onHeaders(this, streamId, headers, decoder.listBytes, endStream);
  }

  #onSettings(flags: number, bytes: Buffer, start: number, end: number): void {
    if (flags & Flag.ACK) return;
    if ((end - start) % 6 !== 0) throw new Http2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS not a multiple of 6 bytes');
    for (let at = start; at < end; at += 6) {
      const id = bytes.readUInt16BE(at);
      const value = bytes.readUInt32BE(at + 2);
      if (id === Setting.HEADER_TABLE_SIZE) this.#encoder.setTableLimit(value);
      else if (id === Setting.MAX_CONCURRENT_STREAMS) this.peer.maxConcurrentStreams = value;
      else if (id === Setting.MAX_FRAME_SIZE) this.peer.maxFrameBytes = value;
      else if (id === Setting.MAX_HEADER_LIST_SIZE) this.peer.maxHeaderListBytes = value;
      else if (id === Setting.INITIAL_WINDOW_SIZE) {
        if (value > MAX_WINDOW_BYTES) throw new Http2ProtocolError(ErrorCode.FLOW_CONTROL_ERROR, 'initial window over 2^31-1');
        const delta = value - this.peer.initialWindow;
        this.peer.initialWindow = value;
        if (delta !== 0) this.#events.onInitialWindow(this, delta);
      }
    }
    this.#frame(FrameType.SETTINGS, Flag.ACK, 0, EMPTY, 0, 0);
    this.#events.onSettings(this);
  }

  /** Sends a header block, split into CONTINUATION frames over the peer's frame size. */
  sendHeaders(streamId: number, headers: readonly string[], endStream: boolean): void {
    if (this.closed) return;
    const length = this.#encoder.encodeInPlace(headers);
    const block = this.#encoder.scratch;
    const max = this.peer.maxFrameBytes;
    const end = endStream ? Flag.END_STREAM : 0;
    if (length <= max) {
      this.#frame(FrameType.HEADERS, end | Flag.END_HEADERS, streamId, block, 0, length);
      return;
    }
    for (let at = 0; at < length; at += max) {
      const partEnd = Math.min(length, at + max);
      const last = partEnd === length ? Flag.END_HEADERS : 0;
      this.#frame(at === 0 ? FrameType.HEADERS : FrameType.CONTINUATION, (at === 0 ? end : 0) | last, streamId, block, at, partEnd);
    }
  }

  /** Sends DATA (the caller has taken it from the send windows; at most the peer's frame size). */
  sendData(streamId: number, payload: Buffer, endStream: boolean): void {
    this.#frame(FrameType.DATA, endStream ? Flag.END_STREAM : 0, streamId, payload, 0, payload.length);
  }

  sendReset(streamId: number, code: number): void {
    this.#word(FrameType.RST_STREAM, streamId, code);
  }

  sendWindowUpdate(streamId: number, increment: number): void {
    this.#word(FrameType.WINDOW_UPDATE, streamId, increment);
  }

  sendGoaway(lastStreamId: number, code: number, debug?: string): void {
    this.#send(wordFrame(FrameType.GOAWAY, 0, 0, [lastStreamId, code], debug ? Buffer.from(debug, 'utf8') : undefined));
  }

  sendPing(payload: Buffer): void {
    this.#frame(FrameType.PING, 0, 0, payload, 0, 8);
  }

  /** `bytes` of received DATA were passed on (or dropped): the connection window gets them back in steps. */
  creditConnection(bytes: number): void {
    this.#credit += bytes;
    if (this.#credit < CONNECTION_CREDIT_STEP) return;
    this.sendWindowUpdate(0, this.#credit);
    this.#recvWindow += this.#credit;
    this.#credit = 0;
  }

  /** A connection error: GOAWAY with its code, then the socket closes once written. */
  fail(error: Http2ProtocolError): void {
    if (this.closed) return;
    this.sendGoaway(0x7fff_ffff, error.code, error.message);
    this.flush();
    this.socket.end();
    this.#close(error);
  }

  /** Closes at once (the socket is destroyed; what was queued is written first if it can be). */
  destroy(): void {
    this.flush();
    this.socket.end();
    this.socket.once('finish', () => this.socket.destroy());
    this.#close(undefined);
  }

  /** Whole frames made elsewhere (this side's SETTINGS, its first WINDOW_UPDATE, GOAWAY: rare). */
  #send(first: Buffer, second?: Buffer): void {
    if (!this.closed) this.#output.whole(first, second);
  }

  #frame(type: number, flags: number, streamId: number, source: Buffer, start: number, end: number): void {
    if (!this.closed) this.#output.frame(type, flags, streamId, source, start, end);
  }

  #word(type: number, streamId: number, word: number): void {
    if (!this.closed) this.#output.word(type, streamId, word);
  }

  /** Writes the frames gathered so far now, not at the end of the turn. */
  flush(): void {
    this.#output.flush();
  }

  #close(error: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.#output.discard();
    if (!this.socket.destroyed && error) this.socket.destroy();
    this.#events.onClose(this, error);
  }
}
