/**
 * POSTs of the sidecar's own (tracing's span exports) to one plain-HTTP URL, sent on the
 * upstream's HTTP/1 code: its keep-alive pool, request head and reply parser
 * (http1-pool.ts, http1-connection.ts). Node's HTTP client would do the same job, but its
 * requests and replies run through Node's shared stream and socket code with shapes the
 * proxy's calls never have, and every call then paid for them (docs/tracing.md, "Issue 12,
 * seventh round"). Plain HTTP only: an https:// URL is the caller's
 * to send some other way.
 */
import { makeEndpoint, type Endpoint, type HttpClientCodec, type Result } from '../../core/index.js';
import { Http1Exchange } from './http1-exchange.js';
import type { Http1Connection, RequestBody } from './http1-connection.js';
import { Http1Pool, type Lease } from './http1-pool.js';
import { requestHead } from './http1-request-head.js';

/** The poster reads a reply's status only: no header list, no mesh code. */
const STATUS_ONLY: HttpClientCodec = {
  requestHeaders: () => [],
  replyHeaders: () => [],
  codeOfStatus: () => undefined,
};

export class Http1Poster {
  readonly #pool: Http1Pool;
  readonly #endpoint: Endpoint;
  readonly #target: string;
  readonly #headers: readonly string[];

  /** `url`: an http:// URL; `contentType`: of every body posted. */
  constructor(url: URL, contentType: string, connectTimeoutMs: number) {
    if (url.protocol !== 'http:') throw new TypeError(`${url.href}: only http:// URLs are posted on the HTTP/1 upstream`);
    this.#endpoint = makeEndpoint(`${url.hostname}:${url.port || '80'}`);
    this.#target = `${url.pathname}${url.search}`;
    this.#headers = ['content-type', contentType, 'user-agent', 'pmesh'];
    this.#pool = new Http1Pool({ endpoint: this.#endpoint, tls: undefined, connectTimeoutMs, max: 1, onOpenChanged: () => {} });
  }

  /** Sends `body`; the reply's status once its body has been read, or why there is none within `timeoutMs`. */
  post(body: Uint8Array, timeoutMs: number): Promise<number> {
    const raw: RequestBody = { kind: 'raw', serialization: 0, bytes: Buffer.from(body.buffer, body.byteOffset, body.byteLength) };
    const head = requestHead('POST', this.#target, this.#headers, raw, this.#endpoint);
    return new Promise((resolve, reject) => this.#pool.acquire(new Post(this.#pool, head, raw, timeoutMs, resolve, reject)));
  }

  /** Closes idle connections now, a busy one once its post ends. */
  close(): void {
    this.#pool.close();
  }
}

/** One post, from waiting for the connection to its reply's last byte. */
class Post extends Http1Exchange implements Lease {
  readonly #pool: Http1Pool;
  readonly #head: string;
  readonly #body: RequestBody;
  readonly #resolve: (status: number) => void;
  readonly #reject: (error: Error) => void;
  readonly #timer: NodeJS.Timeout;
  #connection: Http1Connection | undefined;
  #done = false;

  constructor(pool: Http1Pool, head: string, body: RequestBody, timeoutMs: number, resolve: (status: number) => void, reject: (error: Error) => void) {
    super('POST', STATUS_ONLY);
    this.#pool = pool;
    this.#head = head;
    this.#body = body;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#timer = setTimeout(() => this.#timedOut(timeoutMs), timeoutMs);
    this.#timer.unref();
  }

  leased(error: Error | null, connection: Http1Connection | null): void {
    if (error || !connection) this.#settle(new Error(`cannot connect: ${error?.message ?? 'no connection'}`));
    else if (this.#done) this.#pool.giveBack(connection);
    else {
      this.#connection = connection;
      connection.send(this, this.#head, this.#body);
    }
  }

  protected answered(result: Result): void {
    const status = result.protocolStatus ?? 0;
    const body = result.body;
    if (body.kind !== 'stream') {
      this.#settle(status);
      return;
    }
    // A reply whose body came in more than one read: read to its end, so the connection can carry the next post.
    body.stream.on('error', (error: Error) => this.#settle(error));
    body.stream.on('end', () => this.#settle(status));
    body.stream.resume();
  }

  protected failed(error: Error): void {
    this.#settle(error);
  }

  #timedOut(timeoutMs: number): void {
    const error = new Error(`no reply within ${timeoutMs} ms`);
    if (this.#connection) this.#connection.destroy(error);
    else this.#pool.forget(this);
    this.#settle(error);
  }

  #settle(outcome: number | Error): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#timer);
    if (typeof outcome === 'number') this.#resolve(outcome);
    else this.#reject(outcome);
  }
}
