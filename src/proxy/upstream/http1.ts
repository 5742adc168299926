/**
 * The upstream of the `node:http` transport (src/core/protocol.ts): a pool of keep-alive
 * connections per endpoint (http1-pool.ts) on which each call writes its request head and
 * body bytes and reads the reply from the bytes (http1-connection.ts), no HTTP client
 * library in between; the plug-in's client codec names the headers and what a status means.
 * Errors become MeshErrors that say whether the request ever left: a refused connect is
 * safe to retry, a dropped one is not.
 */
import { MeshError, type Endpoint, type HttpClientCodec, type Invocation, type Result } from '../../core/index.js';
import type { CallContext } from '../filter.js';
import type { Upstream, UpstreamLimits, UpstreamOptions } from './upstream.js';
import { ExchangeError, type Http1Connection, type RequestBody } from './http1-connection.js';
import { Http1Exchange } from './http1-exchange.js';
import { Http1Pool, type Lease } from './http1-pool.js';
import { requestHead } from './http1-request-head.js';

export interface Http1UpstreamOptions extends UpstreamOptions {
  readonly codec: HttpClientCodec;
}

const NO_BODY: RequestBody = Object.freeze({ kind: 'none' });

export class Http1Upstream implements Upstream {
  #options: Http1UpstreamOptions;
  readonly #pools = new Map<string, Http1Pool>();
  readonly #open = new Map<string, number>();

  constructor(options: Http1UpstreamOptions) {
    this.#options = options;
  }

  call(endpoint: Endpoint, invocation: Invocation, ctx: CallContext): Promise<Result> {
    const method = invocation.attachments[':method'] ?? 'GET';
    let body: RequestBody;
    let head: string;
    try {
      body = requestBody(invocation);
      head = requestHead(method, invocation.attachments[':path'] ?? '/', this.#options.codec.requestHeaders(invocation.attachments), body, invocation.attachments.host === undefined ? endpoint : undefined);
    } catch (error) {
      return Promise.reject(MeshError.from(error, 'PMESH_BAD_REQUEST'));
    }
    const pool = this.#pool(endpoint);
    return new Promise<Result>((resolve, reject) => {
      if (ctx.cancel.aborted) {
        reject(ctx.cancel.reason);
        return;
      }
      const exchange = new Http1Exchange(method, this.#options.codec, {
        resolve,
        reject: (error) => reject(this.#translate(error, endpoint, ctx)),
      });
      let sentOn: Http1Connection | undefined;
      const lease: Lease = (error, connection) => {
        if (error || !connection) reject(this.#connectFailed(error, endpoint, ctx));
        else if (ctx.cancel.aborted) pool.giveBack(connection);
        else {
          sentOn = connection;
          connection.send(exchange, head, body);
        }
      };
      // One listener for the call's whole life: waiting for a connection, then on it.
      ctx.cancel.onAbort((reason) => {
        if (!sentOn) {
          pool.forget(lease);
          reject(reason);
        } else if (!exchange.finished) {
          sentOn.destroy(reason);
        }
      });
      pool.acquire(lease);
    });
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

  #connectFailed(error: Error | null, endpoint: Endpoint, ctx: CallContext): MeshError {
    if (ctx.cancel.reason) return ctx.cancel.reason;
    return new MeshError('PMESH_UPSTREAM_CONNECT_FAILED', `cluster "${this.#options.cluster}": cannot connect to ${endpoint.address}: ${error?.message ?? 'no connection'}`, {
      cause: error,
      details: { cluster: this.#options.cluster, endpoint: endpoint.address },
    });
  }

  #translate(error: Error, endpoint: Endpoint, ctx: CallContext): MeshError {
    if (ctx.cancel.reason) return ctx.cancel.reason;
    if (error instanceof MeshError) return error; // the request body's own failure (too large)
    const where = { cluster: this.#options.cluster, endpoint: endpoint.address };
    if (error instanceof ExchangeError && error.kind === 'bad-reply') {
      return new MeshError('PMESH_UPSTREAM_BAD_RESPONSE', `cluster "${this.#options.cluster}": malformed response from ${endpoint.address}: ${error.message}`, { cause: error, details: where });
    }
    return new MeshError('PMESH_UPSTREAM_CONNECTION_LOST', `cluster "${this.#options.cluster}": connection to ${endpoint.address} lost: ${error.message}`, { cause: error, details: where });
  }
}

function requestBody(invocation: Invocation): RequestBody {
  const body = invocation.body;
  if (body.kind === 'raw') return { kind: 'bytes', bytes: body.bytes };
  if (body.kind === 'stream') return { kind: 'stream', stream: body.stream, length: body.length };
  if (body.kind === 'empty') return NO_BODY;
  throw new MeshError('PMESH_INTERNAL', 'an HTTP/1 upstream cannot send decoded values');
}
