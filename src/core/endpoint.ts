/** Where endpoints come from: shown in `/clusters` so an operator can tell. */
export type EndpointSource = 'static' | 'registry' | 'cache' | 'app';

export interface Endpoint {
  /** `host:port`, the identity of the endpoint within a cluster. */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly weight: number;
  readonly source: EndpointSource;
  /** Protocol-specific parameters carried from the registry (version, group, serialization...). */
  readonly metadata: Readonly<Record<string, string>>;
}

/** An immutable, complete set of endpoints: registries emit them, clusters consume them. */
export interface EndpointSet {
  readonly endpoints: readonly Endpoint[];
}

/** Parses `host:port` (IPv6 as `[::1]:port`). Returns undefined when it is not one. */
export function parseHostPort(text: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(text);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: match[1] ?? match[2] ?? '', port };
}

export function makeEndpoint(
  address: string,
  options: { weight?: number; source?: EndpointSource; metadata?: Record<string, string> } = {},
): Endpoint {
  const parsed = parseHostPort(address);
  if (!parsed) throw new TypeError(`endpoint ${JSON.stringify(address)}: expected host:port`);
  return Object.freeze({
    address,
    host: parsed.host,
    port: parsed.port,
    weight: options.weight ?? 1,
    source: options.source ?? 'static',
    metadata: Object.freeze({ ...(options.metadata ?? {}) }),
  });
}
