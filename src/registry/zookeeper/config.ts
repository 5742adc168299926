/** `registry: {type: zookeeper, address: 127.0.0.1:2181, ...}`: options and their defaults. */
import { ACL_DEFAULTS, PERMISSIONS, type AclConfig, type DigestAuthConfig, type Permission } from './acl.js';
import { DEFAULT_ROOTS, type Roots } from './paths.js';

export interface ZooKeeperConfig {
  /** Connection string, `host:port[,host:port...]`. */
  readonly address: string;
  /** Requested session timeout; the server caps it at 20 x tickTime (docs/reliability.md). */
  readonly sessionTimeoutMs: number;
  /** Pause before retrying a failed registration or read. */
  readonly retryMs: number;
  /** Longest random pause between connection attempts while ZooKeeper is unreachable. */
  readonly spinDelayMs: number;
  /** Deadline of one ZooKeeper request. */
  readonly requestTimeoutMs: number;
  /** How long a provider list must stay empty before a subscription is emptied. */
  readonly emptyConfirmMs: number;
  /** Last-known providers file; default `<dataDir>/registry-zookeeper-<address>.json`. */
  readonly cacheFile?: string;
  /** Tree roots: Dubbo's `/dubbo` and SOFARPC's `/sofa-rpc` unless the frameworks were told otherwise. */
  readonly roots: Roots;
  /** `application` written into URLs when a publication names none. */
  readonly application: string;
  /** Digest authentication of the session; absent: none, and nodes are open to all (ZooKeeper's default). */
  readonly auth?: DigestAuthConfig;
  /** ACLs of the nodes created with `auth`. */
  readonly acl: AclConfig;
}

/** Values from docs/reliability.md. */
export const ZOOKEEPER_DEFAULTS = {
  sessionTimeoutMs: 60_000,
  retryMs: 5_000,
  spinDelayMs: 1_000,
  requestTimeoutMs: 10_000,
  emptyConfirmMs: 1_000,
  application: 'pmesh',
} as const;

function number(raw: Readonly<Record<string, unknown>>, key: keyof typeof ZOOKEEPER_DEFAULTS, min: number): number {
  const value = raw[key] ?? ZOOKEEPER_DEFAULTS[key];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) throw new TypeError(`registry.${key}: expected a number >= ${min}`);
  return value;
}

function root(value: unknown, key: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^(\/[\w.-]+)+$/.test(value)) throw new TypeError(`registry.roots.${key}: expected a path like /dubbo`);
  return value;
}

function permissions(value: unknown, key: keyof AclConfig): Permission[] {
  if (value === undefined) return [...ACL_DEFAULTS[key]];
  if (!Array.isArray(value) || value.some((p) => typeof p !== 'string' || !(p in PERMISSIONS))) {
    throw new TypeError(`registry.acl.${key}: expected a list of ${Object.keys(PERMISSIONS).join(', ')}`);
  }
  return [...new Set(value as Permission[])];
}

function auth(value: unknown): DigestAuthConfig | undefined {
  if (value === undefined) return undefined;
  const raw = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if ((raw.scheme ?? 'digest') !== 'digest') throw new TypeError('registry.auth.scheme: only digest is supported');
  if (typeof raw.username !== 'string' || !/^[^:\s]+$/.test(raw.username)) throw new TypeError('registry.auth.username: expected a name without ":" or spaces');
  if (typeof raw.passwordFile !== 'string' || raw.passwordFile === '') throw new TypeError('registry.auth.passwordFile: expected a file path');
  return { scheme: 'digest', username: raw.username, passwordFile: raw.passwordFile };
}

function acl(value: unknown, withAuth: boolean): AclConfig {
  if (value === undefined) return ACL_DEFAULTS;
  if (!withAuth) throw new TypeError('registry.acl: needs registry.auth (the nodes are open to all without it)');
  const raw = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  return { world: permissions(raw.world, 'world'), worldOnParents: permissions(raw.worldOnParents, 'worldOnParents') };
}

export function parseZooKeeperConfig(raw: Readonly<Record<string, unknown>>): ZooKeeperConfig {
  const address = raw.address;
  if (typeof address !== 'string' || !/^[^\s,/]+:\d{1,5}(,[^\s,/]+:\d{1,5})*$/.test(address)) {
    throw new TypeError('registry.address: expected host:port[,host:port...]');
  }
  const roots = (raw.roots ?? {}) as Record<string, unknown>;
  if (typeof roots !== 'object' || roots === null) throw new TypeError('registry.roots: expected {dubbo, sofaRpc}');
  const application = raw.application ?? ZOOKEEPER_DEFAULTS.application;
  if (typeof application !== 'string' || !/^[\w.-]+$/.test(application)) throw new TypeError('registry.application: expected a name');
  const digest = auth(raw.auth);
  const cacheFile = raw.cacheFile;
  if (cacheFile !== undefined && (typeof cacheFile !== 'string' || cacheFile === '')) throw new TypeError('registry.cacheFile: expected a file path');
  return {
    address,
    sessionTimeoutMs: number(raw, 'sessionTimeoutMs', 1_000),
    retryMs: number(raw, 'retryMs', 10),
    spinDelayMs: number(raw, 'spinDelayMs', 10),
    requestTimeoutMs: number(raw, 'requestTimeoutMs', 100),
    emptyConfirmMs: number(raw, 'emptyConfirmMs', 0),
    ...(cacheFile === undefined ? {} : { cacheFile }),
    roots: { dubbo: root(roots.dubbo, 'dubbo', DEFAULT_ROOTS.dubbo), 'sofa-rpc': root(roots.sofaRpc, 'sofaRpc', DEFAULT_ROOTS['sofa-rpc']) },
    application,
    ...(digest === undefined ? {} : { auth: digest }),
    acl: acl(raw.acl, digest !== undefined),
  };
}
