/**
 * One keep-alive HTTP/1 connection to an upstream, one request at a time: writes the
 * request head and body bytes, reads the reply head from the bytes (codecs/http1/reply-head.ts)
 * and passes the body on framed as the head says (length, chunked, or until close), so it
 * knows where the reply ends and the connection can carry the next request.
 */
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { Body } from '../../core/index.js';
import { BadReplyError, MAX_REPLY_HEAD_BYTES, parseReplyHead, type ReplyFraming } from './http1-reply-head.js';
import { ChunkedDecoder } from './http1-chunked.js';
import type { Http1Exchange } from './http1-exchange.js';
import { writeThisTurn, type CopiedReads } from '../transport/index.js';


const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const CRLF = Buffer.from('\r\n', 'latin1');
const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');
/** A request body up to this size is copied behind its head; above it is written beside it. */
const COPY_BODY_BYTES = 16 * 1024;

function headBytes(head: string | HeadWriter): Buffer {
  if (typeof head === 'string') return Buffer.from(head, 'latin1');
  const out = Buffer.allocUnsafe(head.length);
  head.copyTo(out, 0);
  return out;
}

/** A request head written into the buffer the body goes in (http1-request-head.ts's PassedHead). */
export interface HeadWriter {
  readonly length: number;
  /** Writes the head into `out` at `at`; returns where it ends. */
  copyTo(out: Buffer, at: number): number;
}

/** The request's body as the connection writes it: the call's own body (a decoded one is refused before). */
export type RequestBody = Exclude<Body, { readonly kind: 'decoded' }>;

export interface ConnectionEvents {
  /** The exchange ended and the connection can carry another request. */
  reusable(connection: Http1Connection): void;
  /** The socket closed (for whatever reason); the pool forgets it. */
  closed(connection: Http1Connection): void;
}

/** Why an exchange failed: the connection was lost, or the upstream's reply could not be read. */
export class ExchangeError extends Error {
  override readonly name = 'ExchangeError';

  constructor(
    readonly kind: 'lost' | 'bad-reply',
    message: string,
  ) {
    super(message);
  }
}

export class Http1Connection {
  readonly socket: Socket;
  /** The pool's count of idle sweeps when it last went back to the pool. */
  idleSweep = 0;
  readonly #events: ConnectionEvents;
  #exchange: Http1Exchange | undefined;
  #pending: Buffer | undefined;
  #framing: ReplyFraming | undefined;
  #remaining = 0;
  #chunked: ChunkedDecoder | undefined;
  #keepAlive = false;
  #requestSent = false;
  /** Stops writing the request body still streaming (the reply ended first, or the connection went). */
  #stopSending: (() => void) | undefined;
  readonly #resume = (): void => {
    this.socket.resume();
  };
  readonly #deliver = (chunk: Buffer): void => {
    if (!this.#exchange!.data(chunk)) this.socket.pause();
  };

  /** `reads`: the socket was dialed reading into the shared buffer (plaintext); without it, `data` events. */
  constructor(socket: Socket, events: ConnectionEvents, reads?: CopiedReads) {
    this.socket = socket;
    this.#events = events;
    const onData = (chunk: Buffer): void => this.#onData(chunk);
    if (reads) reads.onData = onData;
    else socket.on('data', onData);
    socket.on('end', () => this.#onEnd());
    socket.on('error', (error: Error) => this.#lost(error.message));
    socket.on('close', () => {
      this.#stopSending?.();
      this.#lost('the upstream closed the connection');
      events.closed(this);
    });
  }

  get busy(): boolean {
    return this.#exchange !== undefined;
  }

  /** Sends one request: `head` is its whole head, CRLFCRLF included, as latin1 text or the caller's own bytes passed on. */
  send(exchange: Http1Exchange, head: string | HeadWriter, body: RequestBody): void {
    this.#exchange = exchange;
    this.#framing = undefined;
    this.#pending = undefined;
    this.#requestSent = false;
    const socket = this.socket;
    if (body.kind === 'stream') {
      // Corked for the turn: a small body node:http parsed right after the head leaves with it, in one write.
      writeThisTurn(socket, [headBytes(head)]);
      this.#sendStream(body.stream, body.length === undefined);
      return;
    }
    // The head and a small body copied into one buffer leave in one plain write (no cork, no writev).
    const bytes = body.kind === 'raw' ? body.bytes : undefined;
    if (bytes && bytes.length > COPY_BODY_BYTES) {
      writeThisTurn(socket, [headBytes(head), bytes]);
    } else {
      const out = Buffer.allocUnsafe(head.length + (bytes?.length ?? 0));
      const at = typeof head === 'string' ? out.write(head, 0, head.length, 'latin1') : head.copyTo(out, 0);
      bytes?.copy(out, at);
      socket.write(out);
    }
    this.#requestSent = true;
  }

  /** Cuts the connection (a cancelled call, a pool closing). */
  destroy(error?: Error): void {
    if (error) this.#exchange?.fail(error);
    this.socket.destroy();
  }

  #sendStream(stream: Readable, chunked: boolean): void {
    const socket = this.socket;
    const onData = (chunk: Buffer): void => {
      if (chunk.length === 0) return;
      writeThisTurn(socket, chunked ? [Buffer.from(`${chunk.length.toString(16)}\r\n`, 'latin1'), chunk, CRLF] : [chunk]);
      if (socket.writableNeedDrain) {
        stream.pause();
        socket.once('drain', () => stream.resume());
      }
    };
    const onEnd = (): void => {
      cleanup();
      if (chunked) writeThisTurn(socket, [LAST_CHUNK]);
      this.#requestSent = true;
      this.#maybeReusable();
    };
    const onError = (error: Error): void => {
      cleanup();
      this.destroy(error);
    };
    const cleanup = (): void => {
      this.#stopSending = undefined;
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    this.#stopSending = cleanup;
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
  }

  #onData(chunk: Buffer): void {
    const exchange = this.#exchange;
    if (!exchange || exchange.finished) {
      // Bytes nobody asked for: the connection's framing is lost.
      this.socket.destroy();
      return;
    }
    try {
      this.#read(chunk, exchange);
    } catch (error) {
      const message = error instanceof BadReplyError ? error.message : String(error);
      exchange.fail(new ExchangeError('bad-reply', message));
      this.socket.destroy();
      return;
    }
    exchange.flush(this.#resume);
    if (exchange.finished) this.#maybeReusable();
  }

  #read(chunk: Buffer, exchange: Http1Exchange): void {
    let bytes = chunk;
    let at = 0;
    while (at < bytes.length) {
      if (this.#framing === undefined) {
        const searchFrom = this.#pending ? Math.max(0, this.#pending.length - 3) : 0;
        if (this.#pending) {
          bytes = Buffer.concat([this.#pending, bytes.subarray(at)]);
          at = 0;
          this.#pending = undefined;
        }
        const end = bytes.indexOf(HEAD_END, at + searchFrom);
        if (end < 0) {
          if (bytes.length - at > MAX_REPLY_HEAD_BYTES) throw new BadReplyError(`reply head larger than ${MAX_REPLY_HEAD_BYTES} bytes`);
          this.#pending = at === 0 ? bytes : bytes.subarray(at);
          return;
        }
        if (end + 4 - at > MAX_REPLY_HEAD_BYTES) throw new BadReplyError(`reply head larger than ${MAX_REPLY_HEAD_BYTES} bytes`);
        const head = parseReplyHead(bytes, end + 4, exchange.method, at);
        at = end + 4;
        if (head.status < 200) {
          // 100 Continue, 103 Early Hints: the final reply follows. No upgrade is ever asked for.
          if (head.status === 101) throw new BadReplyError('101 Switching Protocols to a request that asked for no upgrade');
          continue;
        }
        exchange.head(head);
        this.#framing = head.framing;
        this.#keepAlive = head.keepAlive;
        if (head.framing.kind === 'none' || (head.framing.kind === 'length' && head.framing.length === 0)) {
          exchange.end();
        } else if (head.framing.kind === 'length') {
          this.#remaining = head.framing.length;
        } else if (head.framing.kind === 'chunked') {
          this.#chunked = new ChunkedDecoder();
        }
        continue;
      }
      if (exchange.finished) {
        // More bytes after the whole reply: never read them as the next one.
        this.#keepAlive = false;
        return;
      }
      const framing = this.#framing;
      if (framing.kind === 'length') {
        const take = Math.min(this.#remaining, bytes.length - at);
        this.#deliver(at === 0 && take === bytes.length ? bytes : bytes.subarray(at, at + take));
        at += take;
        this.#remaining -= take;
        if (this.#remaining === 0) exchange.end();
      } else if (framing.kind === 'chunked') {
        at += this.#chunked!.feed(bytes, at, this.#deliver);
        if (this.#chunked!.done) exchange.end();
      } else {
        this.#deliver(at === 0 ? bytes : bytes.subarray(at));
        at = bytes.length;
      }
    }
  }

  #onEnd(): void {
    const exchange = this.#exchange;
    if (exchange && this.#framing?.kind === 'close' && !exchange.finished) {
      exchange.end();
      exchange.flush(this.#resume);
    }
    this.socket.end();
  }

  #lost(message: string): void {
    const exchange = this.#exchange;
    if (!exchange || exchange.finished) return;
    exchange.fail(new ExchangeError('lost', message));
  }

  /** Both directions done: back to the pool, or closed when the reply said so. */
  #maybeReusable(): void {
    const exchange = this.#exchange;
    if (!exchange?.finished) return;
    if (!this.#requestSent) {
      // The reply ended before the request body did (an early 413): the rest cannot be sent on.
      this.#stopSending?.();
      this.socket.destroy();
      return;
    }
    this.#exchange = undefined;
    this.#chunked = undefined;
    // Paused by a slow reader of the last body bytes, whose stream has ended and will ask for no more:
    // reading again, or the next reply (or the upstream closing the idle connection) would never be seen.
    this.socket.resume();
    if (this.#keepAlive && !this.socket.destroyed) this.#events.reusable(this);
    else this.socket.destroy();
  }
}
