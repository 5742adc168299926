/**
 * One request on a caller's HTTP/1 connection (http1-caller.ts) and the writing of its reply:
 * an upstream reply nothing read the headers of goes out as its own field lines (less the
 * hop-by-hop ones) behind our status line; any other head is written from the Result's header
 * list. With a small body, head and body leave in one buffer and one plain write; a streamed
 * body is piped with backpressure, chunked when its length is unknown. When the reply is
 * written whole the connection is told, and reads the next request.
 */
import type { Socket } from 'node:net';
import type { Cancel, HttpLocalReply, Invocation, PeerIdentity, Result } from '../../core/index.js';
import type { RequestHead } from './http1-request-head.js';
import type { RequestBodyReader } from './http1-request-body.js';
import { Http1Reply } from '../upstream/http1-reply.js';
import { declaredLength, replyHead, statusHasNoBody, statusLine, statusLineBytes, type ReplyBodyFraming } from './http1-reply-head.js';

const LAST_CHUNK = '0\r\n\r\n';

/** One request on a caller connection, as the listener sees it. */
export interface CallerRequest {
  readonly head: RequestHead;
  readonly body: Invocation['body'];
  readonly socket: Socket;
  /** The caller's workload identity (mTLS), read once per connection. */
  readonly peer: PeerIdentity | undefined;
  /** The call's cancel (set by the listener): aborted when the caller leaves before its reply was written whole. */
  cancel: Cancel | undefined;
  /** Told once (besides CallerHost.done) when the reply was written whole or the connection lost: a drain waits on it. */
  onDone: ((this: void) => void) | undefined;
  readonly headersSent: boolean;
  readonly finished: boolean;
  /** Writes the call's Result; a stream body is piped with backpressure. `onBodyError` if it fails part way. */
  writeResult(result: Result, onBodyError: (error: Error) => void): void;
  /** Writes a local reply (a mesh error's JSON); after a head was sent, cuts the connection instead. */
  writeLocal(reply: HttpLocalReply, close?: boolean): void;
}

/** The connection an exchange belongs to. */
export interface ExchangeOwner {
  readonly socket: Socket;
  readonly peer: PeerIdentity | undefined;
  /** The reply was written whole; `close`: the connection closes after it. */
  finished(exchange: Exchange, close: boolean): void;
}

export class Exchange implements CallerRequest {
  readonly head: RequestHead;
  readonly body: Invocation['body'];
  readonly reader: RequestBodyReader | undefined;
  readonly #caller: ExchangeOwner;
  cancel: Cancel | undefined;
  onDone: (() => void) | undefined;
  #headersSent = false;
  #finished = false;

  constructor(caller: ExchangeOwner, head: RequestHead, body: Invocation['body'], reader: RequestBodyReader | undefined) {
    this.#caller = caller;
    this.head = head;
    this.body = body;
    this.reader = reader;
    this.cancel = undefined;
    this.onDone = undefined;
  }

  get socket(): Socket {
    return this.#caller.socket;
  }

  get peer(): PeerIdentity | undefined {
    return this.#caller.peer;
  }

  get headersSent(): boolean {
    return this.#headersSent;
  }

  get finished(): boolean {
    return this.#finished;
  }

  writeResult(result: Result, onBodyError: (error: Error) => void): void {
    if (this.#headersSent) return;
    const socket = this.socket;
    if (socket.destroyed) return;
    this.#headersSent = true;
    const status = result.protocolStatus;
    const body = result.body;
    const noBody = statusHasNoBody(status) || this.head.method === 'HEAD';
    const close = this.#closes();
    if (body.kind !== 'stream' || noBody) {
      if (body.kind === 'stream') body.stream.resume(); // HEAD: nothing of it is sent
      const bytes = body.kind === 'raw' && !noBody ? body.bytes : undefined;
      // The upstream's head as it came (its Content-Length true of this body), when nothing asked to read or change it.
      if (result instanceof Http1Reply && result.passesHead && (noBody || result.head.framing.kind === 'length')) {
        writePassed(socket, result, bytes, close);
        this.#done(close);
        return;
      }
      const framing: ReplyBodyFraming = noBody ? NONE : { kind: 'length', length: bytes?.length ?? 0 };
      writeWhole(socket, replyHead(status, result.rawHeaders, framing, close), bytes);
      this.#done(close);
      return;
    }
    const length = declaredLength(result.rawHeaders);
    const chunked = length === undefined;
    socket.write(replyHead(status, result.rawHeaders, chunked ? CHUNKED : { kind: 'length', length }, close), 'latin1');
    const stream = body.stream;
    const onData = (chunk: Buffer): void => {
      if (chunk.length === 0) return;
      const more = chunked ? writeChunk(socket, chunk) : socket.write(chunk);
      if (!more) {
        stream.pause();
        socket.once('drain', () => stream.resume());
      }
    };
    stream.on('data', onData);
    stream.once('end', () => {
      if (chunked) socket.write(LAST_CHUNK, 'latin1');
      this.#done(close);
    });
    stream.once('error', (error: Error) => {
      stream.off('data', onData);
      if (socket.destroyed) return; // the caller left first; nothing to tell anyone
      // The head is already sent: the only honest signal left is to cut the connection.
      onBodyError(error);
      socket.destroy();
    });
  }

  writeLocal(reply: HttpLocalReply, close = false): void {
    const socket = this.socket;
    if (this.#finished || socket.destroyed) return;
    if (this.#headersSent) {
      socket.destroy();
      return;
    }
    this.#headersSent = true;
    const closes = close || this.#closes();
    let text = statusLine(reply.status);
    for (const name in reply.headers) text += `${name}: ${reply.headers[name]!}\r\n`;
    if (closes) text += 'connection: close\r\n';
    socket.cork();
    socket.write(`${text}\r\n`, 'latin1');
    // The body is the codec's JSON text, its content-length counted in UTF-8.
    if (this.head.method !== 'HEAD') socket.write(reply.body, 'utf8');
    socket.uncork();
    this.#done(closes);
  }

  /** The connection answers for this request itself (a timeout's 408): nothing more is written for it. */
  abandon(): void {
    this.#headersSent = true;
    this.#finished = true;
  }

  /** Whether the connection closes after this reply (said in its head). */
  #closes(): boolean {
    return !this.head.keepAlive || (this.reader !== undefined && !this.reader.complete) || (this.body.kind === 'stream' && !this.reader);
  }

  #done(close: boolean): void {
    this.#finished = true;
    this.#caller.finished(this, close);
  }
}

const NONE: ReplyBodyFraming = Object.freeze({ kind: 'none' });
const CHUNKED: ReplyBodyFraming = Object.freeze({ kind: 'chunked' });

/** A body up to this size is copied behind its head, above it is written on its own. */
const COPY_BODY_BYTES = 16 * 1024;

/**
 * The head and a small body in one buffer, so the reply leaves in one plain write: a string and
 * a buffer corked together go through the stream's writev path, which cost more than the copy.
 */
function writeWhole(socket: Socket, head: string, body: Buffer | undefined): void {
  const headLength = head.length; // latin1: one byte per character
  if (body && body.length > COPY_BODY_BYTES) {
    socket.cork();
    socket.write(head, 'latin1');
    socket.write(body);
    socket.uncork();
    return;
  }
  const out = Buffer.allocUnsafe(headLength + (body?.length ?? 0));
  out.write(head, 0, headLength, 'latin1');
  if (body) body.copy(out, headLength);
  socket.write(out);
}

const CONNECTION_CLOSE = Buffer.from('connection: close\r\n', 'latin1');

/** The upstream reply's own field lines (less the hop-by-hop ones) behind our status line, then the body, in one buffer as writeWhole does. */
function writePassed(socket: Socket, reply: Http1Reply, body: Buffer | undefined, close: boolean): void {
  const head = reply.head;
  const status = statusLineBytes(reply.protocolStatus);
  const headLength = status.length + head.passedFieldsLength + (close ? CONNECTION_CLOSE.length : 0) + 2;
  const inline = body !== undefined && body.length <= COPY_BODY_BYTES;
  const out = Buffer.allocUnsafe(headLength + (inline ? body.length : 0));
  let at = status.copy(out, 0);
  at = head.copyPassedFields(out, at);
  if (close) at += CONNECTION_CLOSE.copy(out, at);
  out[at++] = 13;
  out[at++] = 10;
  if (inline) {
    body.copy(out, at);
    socket.write(out);
  } else if (body) {
    socket.cork();
    socket.write(out);
    socket.write(body);
    socket.uncork();
  } else {
    socket.write(out);
  }
}

function writeChunk(socket: Socket, chunk: Buffer): boolean {
  socket.cork();
  socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
  socket.write(chunk);
  const more = socket.write('\r\n', 'latin1');
  socket.uncork();
  return more;
}
