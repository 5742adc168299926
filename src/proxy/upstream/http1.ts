/**
 * The upstream of the `node:http` transport (src/core/protocol.ts): one undici Pool
 * per endpoint (keep-alive, bounded connections); the plug-in's client codec names
 * the headers and what a status means.
 * Bodies stream both ways. Calls go through undici's `dispatch` with our own handler
 * (http1-reply.ts), not its `request` API. undici's errors become MeshErrors that say
 * whether the request ever left: a refused connect is safe to retry, a dropped one is not.
 */
import type { Dispatcher, Pool } from 'undici';
import { MeshError, lazyRequire, type Endpoint, type HttpClientCodec, type Invocation, type Result } from '../../core/index.js';
import type { CallContext } from '../filter.js';
import type { Upstream, UpstreamOptions } from './upstream.js';
import { connector, usesTls } from '../transport/index.js';
import { Http1Reply } from './http1-reply.js';

/** How long an idle upstream connection is kept (Linkerd's pool idle; docs/reliability.md). */
const IDLE_MS = 3_000;

export interface Http1UpstreamOptions extends UpstreamOptions {
  readonly codec: HttpClientCodec;
}

/** Loaded by the first HTTP/1 cluster made, not by importing this file (a sidecar without one never loads it). */
const undici = lazyRequire<typeof import('undici')>('undici');

export class Http1Upstream implements Upstream {
  readonly #options: Http1UpstreamOptions;
  readonly #pools = new Map<string, Pool>();
  readonly #open = new Map<string, number>();

  constructor(options: Http1UpstreamOptions) {
    this.#options = options;
    // Loaded now rather than by the first call, which would wait for it.
    undici();
  }

  call(endpoint: Endpoint, invocation: Invocation, ctx: CallContext): Promise<Result> {
    const pool = this.#pool(endpoint);
    const body = invocation.body.kind === 'stream' ? invocation.body.stream : invocation.body.kind === 'raw' ? invocation.body.bytes : null;
    const options: Dispatcher.DispatchOptions = {
      path: invocation.attachments[':path'] ?? '/',
      method: (invocation.attachments[':method'] ?? 'GET') as Dispatcher.HttpMethod,
      headers: this.#options.codec.requestHeaders(invocation.attachments),
      body,
      // The timeout filter owns the deadline for the head; the body has an idle bound.
      headersTimeout: 0,
      bodyTimeout: 300_000,
    };
    return new Promise<Result>((resolve, reject) => {
      const fail = (error: unknown): void => reject(this.#translate(error, endpoint, ctx));
      pool.dispatch(options, new Http1Reply(this.#options.codec, ctx.cancel, resolve, fail));
    });
  }

  release(address: string): void {
    const pool = this.#pools.get(address);
    if (!pool) return;
    this.#pools.delete(address);
    this.#open.delete(address);
    void pool.close();
  }

  hasConnection(address: string): boolean {
    return (this.#open.get(address) ?? 0) > 0;
  }

  connections(): Record<string, number> {
    return Object.fromEntries(this.#open);
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  #pool(endpoint: Endpoint): Pool {
    let pool = this.#pools.get(endpoint.address);
    if (!pool) {
      const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
      pool = new (undici().Pool)(`http://${host}:${endpoint.port}`, {
        connections: this.#options.maxConnectionsPerEndpoint,
        connect: usesTls(endpoint, this.#options.tls)
          ? connector(endpoint, this.#options.tls!, this.#options.connectTimeoutMs)
          : { timeout: this.#options.connectTimeoutMs },
        keepAliveTimeout: IDLE_MS,
        keepAliveMaxTimeout: IDLE_MS,
      });
      const address = endpoint.address;
      pool.on('connect', () => this.#open.set(address, (this.#open.get(address) ?? 0) + 1));
      pool.on('disconnect', () => this.#open.set(address, Math.max(0, (this.#open.get(address) ?? 1) - 1)));
      this.#pools.set(address, pool);
    }
    return pool;
  }

  #translate(error: unknown, endpoint: Endpoint, ctx: CallContext): MeshError {
    if (ctx.cancel.reason) return ctx.cancel.reason;
    const where = { cluster: this.#options.cluster, endpoint: endpoint.address };
    const code = (error as { code?: string }).code;
    const message = error instanceof Error ? error.message : String(error);
    if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || error instanceof undici().errors.ConnectTimeoutError) {
      return new MeshError(
        'PMESH_UPSTREAM_CONNECT_FAILED',
        `cluster "${this.#options.cluster}": cannot connect to ${endpoint.address}: ${code ?? message}`,
        { cause: error, details: where },
      );
    }
    if (error instanceof undici().errors.SocketError || code === 'ECONNRESET' || code === 'EPIPE') {
      return new MeshError(
        'PMESH_UPSTREAM_CONNECTION_LOST',
        `cluster "${this.#options.cluster}": connection to ${endpoint.address} lost: ${message}`,
        { cause: error, details: where },
      );
    }
    if (code === 'HPE_INVALID_CONSTANT' || (error as Error).name === 'HTTPParserError') {
      return new MeshError(
        'PMESH_UPSTREAM_BAD_RESPONSE',
        `cluster "${this.#options.cluster}": malformed response from ${endpoint.address}: ${message}`,
        { cause: error, details: where },
      );
    }
    return MeshError.from(error, 'PMESH_UPSTREAM_CONNECTION_LOST');
  }
}
