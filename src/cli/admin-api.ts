/**
 * What `pmesh doctor` and `pmesh status` read from a running sidecar: its admin API
 * (/ready, /config, /clusters, /metrics) and the app API on its HTTP listener
 * (/v1/services/{service}). Only the fields these commands use are typed.
 */

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
  constructor(readonly address: string, private readonly timeoutMs: number) {}

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
    const response = await this.#fetch(`http://${this.address}/metrics`);
    return response.text();
  }

  async #get(path: string, accept: readonly number[] = [200]): Promise<unknown> {
    const response = await this.#fetch(`http://${this.address}${path}`);
    if (!accept.includes(response.status)) throw new Error(`GET ${path} answered ${response.status}`);
    return response.json();
  }

  async #fetch(url: string): Promise<Response> {
    try {
      return await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      throw new Error(`no sidecar admin API at ${this.address} (${cause})`);
    }
  }
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
