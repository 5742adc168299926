/**
 * What `pmesh doctor` and `pmesh status` read from a running sidecar: its admin API
 * (/ready, /config, /clusters, /metrics), over HTTPS and with its bearer token when it is
 * guarded, and the app API on its HTTP listener (/v1/services/{service}). Only the fields
 * these commands use are typed. Every failure is an AdminApiError carrying its fix (a 401,
 * a certificate not trusted, plaintext to an HTTPS port...), never a stack trace.
 */
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import type { Dispatcher } from 'undici';
import { lazyRequire } from '../core/lazy-require.js';

// Loaded when a command asks the admin API, not when the CLI starts: `pmesh start` imports
// this module (through the command list) and would otherwise load undici's ~110 files.
const undici = lazyRequire<typeof import('undici')>('undici');

/** How to talk to a guarded admin API (admin.tls, admin.tokenFile). */
export interface AdminConnection {
  /** Over HTTPS; `ca` absent: the system's roots. */
  readonly tls?: { readonly ca?: string };
  readonly token?: string;
}

/** The admin API could not be read: what happened, and what to do about it. */
export class AdminApiError extends Error {
  override readonly name = 'AdminApiError';

  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
  }
}

const START_FIX = 'start the sidecar (pmesh start --config FILE), or pass its admin address with --admin host:port';
const TOKEN_FIX = 'pass the admin token with --token-file FILE (the file admin.tokenFile names), or the sidecar\'s config with --config FILE';
const TLS_FIX = 'the admin API is served over HTTPS (admin.tls): pass --ca-file FILE (the CA that signed its certificate) or --config FILE';

export interface RouteView {
  readonly name?: string;
  readonly match: { readonly service?: string; readonly method?: string; readonly headers?: Record<string, string>; readonly host?: string; readonly pathPrefix?: string };
  readonly cluster?: string;
}

export interface ListenerView {
  readonly name: string;
  readonly protocol: string;
  readonly address: string;
  readonly ingress?: boolean;
  readonly routeByRegistry?: boolean;
  readonly routes: readonly RouteView[];
}

export interface ClusterConfigView {
  readonly name: string;
  readonly protocol: string;
  readonly endpoints: readonly string[];
  readonly service?: string;
  readonly version?: string;
  readonly group?: string;
}

export interface ConfigView {
  readonly admin: { readonly address: string };
  readonly registry: { readonly type: string; readonly address?: string } & Record<string, unknown>;
  readonly listeners: readonly ListenerView[];
  readonly clusters: readonly ClusterConfigView[];
}

export interface EndpointView {
  readonly address: string;
  readonly source?: string;
  readonly health: string;
  readonly consecutiveFailures: number;
  readonly connections: number;
}

export interface ClusterView {
  readonly name: string;
  readonly protocol: string;
  readonly endpoints: readonly EndpointView[];
  readonly registry?: unknown;
}

export interface ClustersView {
  readonly registry?: { readonly backend: string; readonly status: string; readonly lastError?: { readonly message: string; readonly at: number } };
  readonly clusters: readonly ClusterView[];
}

export interface ReadyView {
  readonly ready: boolean;
  readonly listeners: Record<string, string>;
}

export interface RegisteredView {
  readonly endpoints: readonly { readonly address: string; readonly metadata?: Record<string, string> }[];
  readonly origin?: string;
}

export class AdminApi {
  readonly #dispatcher: Dispatcher | undefined;
  readonly #scheme: 'http' | 'https';

  constructor(
    readonly address: string,
    private readonly timeoutMs: number,
    private readonly connection: AdminConnection = {},
  ) {
    this.#scheme = connection.tls ? 'https' : 'http';
    this.#dispatcher = connection.tls ? new (undici().Agent)({ connect: { ca: connection.tls.ca, checkServerIdentity: serverIdentity } }) : undefined;
  }

  ready(): Promise<ReadyView> {
    // 503 while starting or draining still carries the listeners.
    return this.#get('/ready', [200, 503]) as Promise<ReadyView>;
  }

  config(): Promise<ConfigView> {
    return this.#get('/config') as Promise<ConfigView>;
  }

  clusters(): Promise<ClustersView> {
    return this.#get('/clusters') as Promise<ClustersView>;
  }

  async metrics(): Promise<string> {
    return (await this.#fetch('/metrics', [200])).text();
  }

  /** Lets go of the HTTPS connections (the process may then exit at once). */
  async close(): Promise<void> {
    await this.#dispatcher?.close();
  }

  async #get(path: string, accept: readonly number[] = [200]): Promise<unknown> {
    return (await this.#fetch(path, accept)).json();
  }

  async #fetch(path: string, accept: readonly number[]): Promise<Dispatcher.ResponseData['body']> {
    const url = `${this.#scheme}://${this.address}${path}`;
    let response: Dispatcher.ResponseData;
    try {
      response = await undici().request(url, {
        dispatcher: this.#dispatcher,
        signal: AbortSignal.timeout(this.timeoutMs),
        headers: this.connection.token === undefined ? {} : { authorization: `Bearer ${this.connection.token}` },
      });
    } catch (error) {
      throw this.#unreachable(error);
    }
    if (accept.includes(response.statusCode)) return response.body;
    await response.body.dump();
    if (response.statusCode === 401) {
      const why = this.connection.token === undefined ? 'it needs a bearer token and none was given' : 'the token given is not its token';
      throw new AdminApiError(`the admin API at ${this.address} refused the request (401): ${why}`, TOKEN_FIX);
    }
    throw new AdminApiError(`GET ${path} answered ${response.statusCode}`, START_FIX);
  }

  #unreachable(error: unknown): AdminApiError {
    const code = causeCode(error);
    const at = `${this.#scheme}://${this.address}`;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH') return new AdminApiError(`no sidecar admin API at ${this.address} (${code})`, START_FIX);
    if (this.#scheme === 'https') {
      if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'EPROTO') {
        return new AdminApiError(`the admin API at ${this.address} does not speak TLS (${code})`, 'it is served in plaintext: leave out --ca-file, or check admin.tls in its config');
      }
      if (/CERT|SIGNATURE|ISSUER|ALTNAME|SELF_SIGNED/.test(code)) {
        return new AdminApiError(`the admin API's certificate at ${at} is not trusted (${code})`, 'pass the CA that signed it with --ca-file FILE, and check that it has not expired');
      }
    }
    if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') return new AdminApiError(`the admin API at ${this.address} closed the connection (${code})`, TLS_FIX);
    return new AdminApiError(`no sidecar admin API at ${at} (${code})`, START_FIX);
  }
}

/** The code of what went wrong: the deepest one (undici wraps the socket's error as its cause). */
function causeCode(error: unknown): string {
  let found: string | undefined;
  for (let e: unknown = error; e instanceof Error; e = e.cause) found = (e as NodeJS.ErrnoException).code ?? found;
  return found ?? (error instanceof Error ? error.name : String(error));
}

/**
 * The host check of the admin API's certificate: by its DNS names and IP addresses when it has
 * any; a workload certificate from `pmesh cert issue` names only a SPIFFE id, and is then
 * checked by its chain to the CA given alone (as sidecars check each other).
 */
function serverIdentity(host: string, cert: PeerCertificate): Error | undefined {
  const names = cert.subjectaltname ?? '';
  return /(^|, )(DNS|IP Address):/.test(names) ? checkServerIdentity(host, cert) : undefined;
}

/** The providers the sidecar's registry lists for a service (GET /v1/services/{service} on its HTTP listener). */
export async function registered(httpAddress: string, service: string, version: string | undefined, group: string | undefined, timeoutMs: number): Promise<RegisteredView> {
  const query = new URLSearchParams();
  if (version) query.set('version', version);
  if (group) query.set('group', group);
  const url = `http://${httpAddress}/v1/services/${encodeURIComponent(service)}${query.size ? `?${query}` : ''}`;
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (response.status !== 200) throw new Error(`GET /v1/services/${service} answered ${response.status}`);
  return (await response.json()) as RegisteredView;
}

/** A listener's address as a client dials it (0.0.0.0 / :: mean this host). */
export function dialable(address: string): string {
  return address.replace(/^0\.0\.0\.0:/, '127.0.0.1:').replace(/^\[::\]:/, '127.0.0.1:');
}
