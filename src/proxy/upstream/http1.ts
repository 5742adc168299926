/**
 * The upstream of the `node:http` transport (src/core/protocol.ts): a pool of keep-alive
 * connections per endpoint (http1-pool.ts) on which each call writes its request head and
 * body bytes and reads the reply from the bytes (http1-connection.ts), no HTTP client
 * library in between; the plug-in's client codec names the headers and what a status means.
 * Errors become MeshErrors that say whether the request ever left: a refused connect is
 * safe to retry, a dropped one is not.
 */
import { MeshError, promiseWithSettlers, settlers, type Endpoint, type HttpClientCodec, type Invocation, type Result } from '../../core/index.js';
import type { CallContext } from '../filter.js';
import type { Upstream, UpstreamLimits, UpstreamOptions } from './upstream.js';
import { ExchangeError, type Http1Connection, type RequestBody } from './http1-connection.js';
import { Http1Exchange } from './http1-exchange.js';
import { Http1Pool, type Lease } from './http1-pool.js';
import { PassedHead, passableHead, requestHead } from './http1-request-head.js';

export interface Http1UpstreamOptions extends UpstreamOptions {
  readonly codec: HttpClientCodec;
}

export class Http1Upstream implements Upstream {
  #options: Http1UpstreamOptions;
  readonly #pools = new Map<string, Http1Pool>();
  readonly #open = new Map<string, number>();

  constructor(options: Http1UpstreamOptions) {
    this.#options = options;
  }

  get codec(): HttpClientCodec {
    return this.#options.codec;
  }

  call(endpoint: Endpoint, invocation: Invocation, ctx: CallContext): Promise<Result> {
    const method = invocation.attachments[':method'] ?? 'GET';
    const body = invocation.body;
    let head: string | PassedHead;
    try {
      if (body.kind === 'decoded') throw new MeshError('PMESH_INTERNAL', 'an HTTP/1 upstream cannot send decoded values');
      const wire = passableHead(ctx.wire, invocation.attachments);
      const forwardedFor = invocation.attachments['x-forwarded-for'];
      head = wire && forwardedFor !== undefined ? new PassedHead(wire, forwardedFor, method, body) : requestHead(method, invocation.attachments[':path'] ?? '/', this.#options.codec.requestHeaders(invocation.attachments), body, invocation.attachments.host === undefined ? endpoint : undefined);
    } catch (error) {
      return Promise.reject(MeshError.from(error, 'PMESH_BAD_REQUEST'));
    }
    if (ctx.cancel.aborted) return Promise.reject(ctx.cancel.reason);
    const pool = this.#pool(endpoint);
    // No executor closure per call (core/settlers.ts).
    const promise = promiseWithSettlers<Result>();
    const call = new Http1Call(this, pool, endpoint, ctx, method, head, body, settlers.resolve, settlers.reject);
    // One listener for the call's whole life: waiting for a connection, then on it.
    ctx.cancel.onAbort(call);
    pool.acquire(call);
    return promise;
  }

  release(address: string): void {
    const pool = this.#pools.get(address);
    if (!pool) return;
    this.#pools.delete(address);
    this.#open.delete(address);
    pool.close();
  }

  hasConnection(address: string): boolean {
    return (this.#open.get(address) ?? 0) > 0;
  }

  connections(): Record<string, number> {
    return Object.fromEntries(this.#open);
  }

  setLimits(limits: UpstreamLimits): void {
    this.#options = { ...this.#options, maxConnectionsPerEndpoint: limits.maxConnectionsPerEndpoint };
    for (const pool of this.#pools.values()) pool.setMax(limits.maxConnectionsPerEndpoint);
  }

  async close(): Promise<void> {
    for (const pool of this.#pools.values()) pool.close();
    this.#pools.clear();
  }

  #pool(endpoint: Endpoint): Http1Pool {
    let pool = this.#pools.get(endpoint.address);
    if (!pool) {
      const address = endpoint.address;
      pool = new Http1Pool({
        endpoint,
        tls: this.#options.tls,
        connectTimeoutMs: this.#options.connectTimeoutMs,
        max: this.#options.maxConnectionsPerEndpoint,
        onOpenChanged: (open) => {
          if (this.#pools.get(address) === pool) this.#open.set(address, open);
        },
      });
      this.#pools.set(address, pool);
    }
    return pool;
  }

  /** The MeshError for a connection that could not be had. */
  connectFailed(error: Error | null, endpoint: Endpoint, ctx: CallContext): MeshError {
    if (ctx.cancel.reason) return ctx.cancel.reason;
    return new MeshError('PMESH_UPSTREAM_CONNECT_FAILED', `cluster "${this.#options.cluster}": cannot connect to ${endpoint.address}: ${error?.message ?? 'no connection'}`, {
      cause: error,
      details: { cluster: this.#options.cluster, endpoint: endpoint.address },
    });
  }

  /** The MeshError for an exchange that failed on its connection. */
  translate(error: Error, endpoint: Endpoint, ctx: CallContext): MeshError {
    if (ctx.cancel.reason) return ctx.cancel.reason;
    if (error instanceof MeshError) return error; // the request body's own failure (too large)
    const where = { cluster: this.#options.cluster, endpoint: endpoint.address };
    if (error instanceof ExchangeError && error.kind === 'bad-reply') {
      return new MeshError('PMESH_UPSTREAM_BAD_RESPONSE', `cluster "${this.#options.cluster}": malformed response from ${endpoint.address}: ${error.message}`, { cause: error, details: where });
    }
    return new MeshError('PMESH_UPSTREAM_CONNECTION_LOST', `cluster "${this.#options.cluster}": connection to ${endpoint.address} lost: ${error.message}`, { cause: error, details: where });
  }
}

/**
 * One call, from waiting for a connection to its reply: the exchange on the connection, the
 * pool's lease and the cancel's listener in one object, so a call makes one of these rather
 * than an object or a closure for each.
 */
class Http1Call extends Http1Exchange implements Lease {
  readonly #resolve: (result: Result) => void;
  readonly #reject: (error: Error) => void;
  readonly #upstream: Http1Upstream;
  readonly #pool: Http1Pool;
  readonly #endpoint: Endpoint;
  readonly #ctx: CallContext;
  readonly #head: string | PassedHead;
  readonly #body: RequestBody;
  #sentOn: Http1Connection | undefined;

  constructor(
    upstream: Http1Upstream,
    pool: Http1Pool,
    endpoint: Endpoint,
    ctx: CallContext,
    method: string,
    head: string | PassedHead,
    body: RequestBody,
    resolve: (result: Result) => void,
    reject: (error: Error) => void,
  ) {
    super(method, upstream.codec);
    this.#resolve = resolve;
    this.#reject = reject;
    this.#upstream = upstream;
    this.#pool = pool;
    this.#endpoint = endpoint;
    this.#ctx = ctx;
    this.#head = head;
    this.#body = body;
    this.#sentOn = undefined;
  }

  protected answered(result: Result): void {
    this.#resolve(result);
  }

  protected failed(error: Error): void {
    this.#reject(this.#upstream.translate(error, this.#endpoint, this.#ctx));
  }

  leased(error: Error | null, connection: Http1Connection | null): void {
    if (error || !connection) this.#reject(this.#upstream.connectFailed(error, this.#endpoint, this.#ctx));
    else if (this.#ctx.cancel.aborted) this.#pool.giveBack(connection);
    else {
      this.#sentOn = connection;
      connection.send(this, this.#head, this.#body);
    }
  }

  /** The call's cancel fired: it stops waiting for a connection, or its connection is cut. */
  cancelled(reason: MeshError): void {
    if (!this.#sentOn) {
      this.#pool.forget(this);
      this.#reject(reason);
    } else if (!this.finished) {
      this.#sentOn.destroy(reason);
    }
  }
}
