/**
 * One caller's HTTP/1 connection read from its bytes: request heads parsed here
 * (http1-request-head.ts), bodies framed by Content-Length or chunked, one request at a time
 * so pipelined ones are answered in order (the bytes of the next wait in the buffer, the
 * socket paused once they pass a head's worth). A request that is not plain proxying (the
 * listener says which) hands the connection, at that request's boundary, to node:http with
 * every byte not yet consumed. Malformed requests are answered 400/417/431/501 and closed.
 */
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { MeshError, type Invocation, type PeerIdentity } from '../../core/index.js';
import { peerOf } from '../transport/index.js';
import { BadRequestError, findHeadEnd, parseRequestHead, type HeadLimits, type RequestHead } from './http1-request-head.js';
import { RequestBodyReader } from './http1-request-body.js';
import { Exchange, type CallerRequest } from './http1-caller-exchange.js';

export type { CallerRequest } from './http1-caller-exchange.js';

const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';
const EMPTY = Buffer.alloc(0);

/** What the listener does for its connections. */
export interface CallerHost {
  readonly limits: HeadLimits & { readonly maxBodyBytes: number };
  /** Whether node:http should serve this request (and the rest of the connection). */
  handsOver(head: RequestHead): boolean;
  /** Gives the connection to node:http, `rest` the bytes read and not consumed (the head of the request handed over first). */
  handOver(socket: Socket, rest: Buffer): void;
  /** A request whose head was read: the listener runs the call and answers through `request`. */
  serve(request: CallerRequest): void;
  /** The reply to a served request was written whole, or its connection was lost. */
  done(request: CallerRequest): void;
  /** A request refused for its bytes (or too slow): answered and the connection closed; `limit` names the limit hit when its code does not. */
  refuse(socket: Socket, code: string, message: string, status: number, limit?: string): void;
  /** A limit hit by a request body (`max_body_bytes`), a codec fault in a chunked body. */
  tooLarge(): void;
  malformedBody(code: string): void;
  /** The listener is draining: every reply closes its connection. */
  readonly draining: boolean;
}

/** The listener's deadlines for its callers, ms (http1.ts's sweep reads them). */
export interface CallerTimeouts {
  /** A head not whole this long after its first byte (or the connection's start): 408. */
  readonly headersMs: number;
  /** A request not received whole (head and body) this long after its first byte: 408, unless its reply has begun. */
  readonly requestMs: number;
  /** Idle between requests this long: closed. */
  readonly keepAliveMs: number;
}

const enum State {
  /** Waiting for (the rest of) a request head. */
  Head,
  /** A request is being served (its body may still be arriving). */
  Busy,
  HandedOff,
  Closed,
}

export class Http1Caller {
  readonly socket: Socket;
  readonly #host: CallerHost;
  #state = State.Head;
  #buffer: Buffer = EMPTY;
  #at = 0;
  /** Where the head search resumes, so a head split over many reads is not searched from its start each time. */
  #searched = 0;
  #current: Exchange | undefined;
  /** The request being read began (performance.now()), for the headers and request timeouts; 0 while idle between requests. */
  headSince: number;
  /** Since when the connection is idle between requests (keep-alive timeout); 0 while not. */
  idleSince = 0;
  #callerEnded = false;
  /** The caller's identity, read at the first request (a WeakMap look-up per request cost more than the head's parse of a field). */
  #peer: PeerIdentity | undefined;
  #peerRead = false;
  #pumping = false;
  #again = false;
  readonly #onData = (chunk: Buffer): void => this.#read(chunk);
  readonly #onEnd = (): void => this.#ended();
  readonly #onClose = (): void => this.#closed();
  readonly #onError = (): void => {};

  /** `first`: bytes already read from the socket (the auto listener's sniff). */
  constructor(socket: Socket, first: Buffer | undefined, host: CallerHost) {
    this.socket = socket;
    this.#host = host;
    this.headSince = performance.now();
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onClose);
    socket.on('error', this.#onError);
    if (first && first.length > 0) this.#read(first);
  }

  /** The caller's workload identity (mTLS), the same for every request on the connection. */
  get peer(): PeerIdentity | undefined {
    if (!this.#peerRead) {
      this.#peer = peerOf(this.socket);
      this.#peerRead = true;
    }
    return this.#peer;
  }

  /** The request being served, if any. */
  get current(): CallerRequest | undefined {
    return this.#current;
  }

  /** Idle between requests, nothing of the next one read: safe to close now (a drain). */
  get idle(): boolean {
    return this.#state === State.Head && this.#at === this.#buffer.length && this.idleSince > 0;
  }

  /**
   * Answers 408 and closes when a head has been arriving for longer than `headersMs`, or a
   * request's body is still arriving `requestMs` after its first byte with no reply begun;
   * closes a keep-alive connection idle for `keepAliveMs`.
   */
  sweep(now: number, timeouts: CallerTimeouts): void {
    if (this.#state === State.Busy) {
      const exchange = this.#current;
      const reader = exchange?.reader;
      if (!exchange || !reader || reader.complete || reader.failed || exchange.headersSent) return;
      if (now - this.headSince > timeouts.requestMs) this.#requestTimedOut(exchange, timeouts.requestMs);
      return;
    }
    if (this.#state !== State.Head) return;
    if (this.idleSince > 0 && this.#at === this.#buffer.length) {
      if (now - this.idleSince > timeouts.keepAliveMs) this.socket.destroy();
      return;
    }
    // A lone CR after a reply leaves the connection neither idle nor with a head begun: timed from the reply.
    const since = this.headSince > 0 ? this.headSince : this.idleSince;
    if (since > 0 && now - since > timeouts.headersMs) {
      this.#state = State.Closed;
      this.#host.refuse(this.socket, 'ERR_HTTP_REQUEST_TIMEOUT', `request head not received within ${timeouts.headersMs} ms`, 408);
    }
  }

  /** The body is too slow: the call is abandoned, the caller answered 408 with the reason, the connection closed. */
  #requestTimedOut(exchange: Exchange, requestMs: number): void {
    const message = `request not received whole within ${requestMs} ms`;
    this.#state = State.Closed;
    this.#current = undefined;
    exchange.abandon();
    exchange.reader?.abort(new MeshError('PMESH_DOWNSTREAM_CLOSED', `the caller's ${message}`));
    exchange.cancel?.abort(new MeshError('PMESH_DOWNSTREAM_CLOSED', `the caller's ${message}`));
    this.#host.done(exchange);
    exchange.onDone?.();
    this.#host.refuse(this.socket, 'ERR_HTTP_REQUEST_TIMEOUT', message, 408, 'request_timeout_ms');
  }

  /** Closes the connection once idle (now if it is). */
  closeIdle(): void {
    if (this.idle) this.socket.destroy();
  }

  #read(chunk: Buffer): void {
    if (this.#state === State.Closed || this.#state === State.HandedOff) return;
    if (this.#at === this.#buffer.length) {
      this.#buffer = chunk;
      this.#searched = 0;
    } else {
      const keep = this.#buffer.length - this.#at;
      this.#searched = Math.max(0, this.#searched - this.#at);
      this.#buffer = Buffer.concat([this.#buffer.subarray(this.#at), chunk], keep + chunk.length);
    }
    this.#at = 0;
    this.#pump();
  }

  #pump(): void {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        this.#step();
      } while (this.#again);
    } finally {
      this.#pumping = false;
    }
  }

  /** Uses what the buffer holds: body bytes for the request in flight, or the next head. */
  #step(): void {
    const current = this.#current;
    if (this.#state === State.Busy && current) {
      const reader = current.reader;
      if (reader && !reader.complete && !reader.failed) {
        this.#at += reader.feed(this.#buffer, this.#at);
        if (reader.failed) this.#at = this.#buffer.length;
      }
      // The next request's bytes wait; past a head's worth, the caller is made to wait too.
      if (this.#buffer.length - this.#at > this.#host.limits.maxHeaderBytes && (!reader || reader.complete)) this.socket.pause();
      return;
    }
    if (this.#state !== State.Head) return;
    const buffer = this.#buffer;
    // Empty lines before a request line are skipped (RFC 9112 2.2).
    while (this.#at + 1 < buffer.length && buffer[this.#at] === 13 && buffer[this.#at + 1] === 10) this.#at += 2;
    if (this.#at === buffer.length || (this.#at + 1 === buffer.length && buffer[this.#at] === 13)) return;
    if (this.idleSince > 0) {
      this.idleSince = 0;
      this.headSince = performance.now();
    }
    let head: RequestHead;
    let end: number;
    try {
      end = findHeadEnd(buffer, this.#at, this.#searched, this.#host.limits.maxHeaderBytes);
      if (end < 0) {
        this.#searched = Math.max(this.#at, buffer.length - 3);
        return;
      }
      head = parseRequestHead(buffer, this.#at, end, this.#host.limits);
    } catch (error) {
      const bad = error instanceof BadRequestError ? error : new BadRequestError('HPE_INTERNAL', String(error));
      this.#state = State.Closed;
      this.#host.refuse(this.socket, bad.code, bad.message, bad.status);
      return;
    }
    if (this.#host.handsOver(head)) {
      this.#handOver();
      return;
    }
    this.#at = end;
    this.#searched = end;
    this.#begin(head);
  }

  #begin(head: RequestHead): void {
    this.#state = State.Busy;
    const framing = head.framing;
    let body: Invocation['body'];
    let reader: RequestBodyReader | undefined;
    if (framing.kind === 'none') {
      body = { kind: 'empty' };
    } else if (framing.kind === 'length' && framing.length <= this.#buffer.length - this.#at) {
      // The usual small request: its whole body came with its head.
      const from = this.#at;
      this.#at += framing.length;
      body = { kind: 'raw', serialization: 0, bytes: from === 0 && this.#at === this.#buffer.length ? this.#buffer : this.#buffer.subarray(from, this.#at) };
    } else {
      const length = framing.kind === 'length' ? framing.length : undefined;
      if (length !== undefined && length > this.#host.limits.maxBodyBytes) {
        // Refused by the listener for its declared size before a byte of it is read; the connection closes after the 413.
        body = { kind: 'stream', stream: new Readable({ read() {} }), length };
        this.socket.pause();
      } else {
        reader = new RequestBodyReader(length, this.#host.limits.maxBodyBytes, {
          resume: () => this.socket.resume(),
          pause: () => this.socket.pause(),
          tooLarge: () => this.#host.tooLarge(),
          malformed: (code) => this.#host.malformedBody(code),
        });
        if (head.expectContinue && this.#at === this.#buffer.length) this.socket.write(CONTINUE, 'latin1');
        body = { kind: 'stream', stream: reader.stream, length };
      }
    }
    const exchange = new Exchange(this, head, body, reader);
    this.#current = exchange;
    if (reader) {
      this.#at += reader.feed(this.#buffer, this.#at);
      if (reader.failed) this.#at = this.#buffer.length;
    }
    this.#host.serve(exchange);
  }

  /** The reply to `exchange` was written whole: on to the next request, or closed. */
  finished(exchange: Exchange, close: boolean): void {
    if (this.#current !== exchange) return;
    this.#current = undefined;
    this.#host.done(exchange);
    exchange.onDone?.();
    const bodyLeft = exchange.reader !== undefined && !exchange.reader.complete;
    const tooLargeUnread = exchange.body.kind === 'stream' && !exchange.reader;
    if (close || bodyLeft || tooLargeUnread || !exchange.head.keepAlive || this.#callerEnded || this.#host.draining || this.socket.destroyed) {
      this.#state = State.Closed;
      this.socket.destroySoon();
      return;
    }
    this.#state = State.Head;
    this.headSince = 0;
    this.idleSince = performance.now();
    this.socket.resume();
    this.#pump();
  }

  #handOver(): void {
    this.#state = State.HandedOff;
    this.socket.off('data', this.#onData);
    this.socket.off('end', this.#onEnd);
    this.socket.off('close', this.#onClose);
    this.socket.off('error', this.#onError);
    const rest = this.#at === 0 ? this.#buffer : this.#buffer.subarray(this.#at);
    this.#buffer = EMPTY;
    this.#at = 0;
    this.#host.handOver(this.socket, rest);
    this.socket.resume();
  }

  #ended(): void {
    this.#callerEnded = true;
    // Half-closed by the caller: the reply to a request in flight is still written, then the connection closes;
    // a body cut short will never end, so its call fails now rather than at its deadline.
    this.#current?.reader?.abort();
    if (this.#state === State.Head) {
      this.#state = State.Closed;
      this.socket.destroySoon();
    }
  }

  #closed(): void {
    const exchange = this.#current;
    this.#state = State.Closed;
    if (!exchange) return;
    this.#current = undefined;
    exchange.reader?.abort();
    if (!exchange.finished) exchange.cancel?.abort(new MeshError('PMESH_DOWNSTREAM_CLOSED', 'the caller closed the connection'));
    this.#host.done(exchange);
    exchange.onDone?.();
  }
}
