/**
 * What an app's publication means (issue 5): the sidecar registers its OWN ingress
 * address for the protocol, and its ingress routes the service to the app's port on
 * 127.0.0.1, so remote consumers reach the app through its sidecar. The app is
 * health-checked (a TCP connect to its port); after `maxFailures` failed checks in a
 * row the publication is withdrawn. Publications are kept in
 * `<dataDir>/app-publications.json` (written atomically) and restored at start.
 *
 * A publication is owned, as a Consul session or an etcd lease owns its keys: publish
 * returns a lease token, and replacing or withdrawing the publication takes that token
 * (another caller gets PMESH_NOT_OWNER, 403 over HTTP, PERMISSION_DENIED over gRPC; a call
 * without a token too). Tokens are compared in constant time. The token is kept with the
 * publication, so it still holds after a restart. An app may not publish one of the sidecar's own ports.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MeshError, parseHostPort, sameSecret, type Logger, type ServiceKey } from '../core/index.js';
import { type MethodSignature } from '../bridge/index.js';
import {
  appPublicationSchema,
  checkQuery,
  type AppPublication,
  type AppRegistry,
  type Publication,
  type Registry,
  type RegistryUpdate,
  type ServiceQuery,
} from '../registry/index.js';
import { SIDECAR_MARK, TLS_MODE_MARK, type TlsMode } from '../proxy/index.js';

/** The sidecar's side of it: its ingress listeners and their routes to apps. */
export interface Ingress {
  /** The ingress listener for a protocol and the address it advertises, or undefined. */
  /** `tlsMode` absent: off. */
  find(protocol: string): { listener: string; advertise: string; tlsMode?: TlsMode } | undefined;
  /** Routes `service` on that listener to 127.0.0.1:port (replacing a route of the same key). */
  routeToApp(listener: string, key: string, publication: AppPublication): void;
  dropAppRoute(listener: string, key: string): void;
  /** What of the sidecar's own listens on 127.0.0.1:port (admin, a listener...), or undefined. */
  ownPort(port: number): string | undefined;
}

interface Entry {
  readonly publication: AppPublication;
  /** The lease token that replaces or withdraws it. */
  readonly owner: string;
  readonly registered: Publication;
  readonly listener: string;
  failures: number;
}

export interface AppPublicationsOptions {
  readonly dataDir: string;
  readonly healthIntervalMs: number;
  readonly maxFailures: number;
  readonly log: Logger;
}

const keyOf = (p: { service: string; version?: string; group?: string; protocol?: string }): string =>
  [p.protocol ?? '', p.service, p.version ?? '', p.group ?? ''].join('|');

/** One app publication as the dashboard shows it, lease token left out. */
export interface AppEntryView {
  readonly publication: AppPublication;
  readonly registered: Publication;
  readonly listener: string;
  readonly failures: number;
}

/**
 * What the app plane needs of the publications: the app API's calls, the dashboard's view, the
 * bridge's signatures. AppPublications here; in a worker of `workers: N`, the primary's over IPC.
 */
export interface AppPublicationStore extends AppRegistry {
  restore(): Promise<void>;
  list(): AppEntryView[];
  signaturesOf(service: ServiceKey): readonly MethodSignature[] | undefined;
  close(): void;
}

export class AppPublications implements AppPublicationStore {
  readonly #registry: Registry;
  readonly #ingress: Ingress;
  readonly #options: AppPublicationsOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #file: string;
  readonly #timer: NodeJS.Timeout;

  constructor(registry: Registry, ingress: Ingress, options: AppPublicationsOptions) {
    this.#registry = registry;
    this.#ingress = ingress;
    this.#options = options;
    this.#file = join(options.dataDir, 'app-publications.json');
    this.#timer = setInterval(() => void this.#checkHealth(), options.healthIntervalMs);
    this.#timer.unref();
  }

  /** Publishes again what was published before a restart; dead apps drop out at their health checks. */
  async restore(): Promise<void> {
    let saved: unknown[] = [];
    try {
      saved = JSON.parse(readFileSync(this.#file, 'utf8')) as unknown[];
    } catch {
      return; // first start, or nothing published
    }
    for (const item of saved) {
      // Saved before publications had owners: a fresh token nobody holds (its health check still withdraws it).
      const { owner, ...publication } = (typeof item === 'object' && item !== null ? item : {}) as { owner?: unknown };
      const parsed = appPublicationSchema.safeParse(publication);
      if (!parsed.success) continue;
      await this.publish(parsed.data, typeof owner === 'string' ? owner : undefined).catch((error: unknown) =>
        this.#options.log.warn({ err: String(error), service: parsed.data.service }, 'could not restore a publication'),
      );
    }
  }

  /** What the apps behind this sidecar publish, for the dashboard; lease tokens left out. */
  list(): AppEntryView[] {
    return [...this.#entries.values()].map(({ publication, registered, listener, failures }) => ({ publication, registered, listener, failures }));
  }

  /** Publishes for `owner` (the token an earlier publish returned; none makes a new one). */
  async publish(publication: AppPublication, owner?: string): Promise<{ address: string; token: string }> {
    const own = this.#ingress.ownPort(publication.port);
    if (own !== undefined) {
      throw new MeshError('PMESH_BAD_REQUEST', `port ${publication.port} is this sidecar's own (${own}): publish the port your app listens on`);
    }
    const key = keyOf(publication);
    const held = this.#entries.get(key);
    if (held && !owns(held, owner)) throw notOwner(publication.service, owner);
    const token = owner ?? randomBytes(16).toString('hex');
    const ingress = this.#ingress.find(publication.protocol);
    if (!ingress) {
      throw new MeshError(
        'PMESH_BAD_REQUEST',
        `no ingress listener for protocol ${publication.protocol}: add a listener with protocol: ${publication.protocol} and ingress: true`,
      );
    }
    const at = parseHostPort(ingress.advertise)!;
    const registered: Publication = {
      service: publication.service,
      version: publication.version,
      group: publication.group,
      protocol: publication.protocol,
      host: at.host,
      port: at.port,
      methods: publication.methods,
      application: publication.application,
      // Consumers' sidecars read these: the address is a sidecar's ingress, and whether it takes mTLS.
      parameters: { ...publication.metadata, [SIDECAR_MARK]: 'true', [TLS_MODE_MARK]: ingress.tlsMode ?? 'off' },
    };
    this.#ingress.routeToApp(ingress.listener, key, publication);
    await this.#registry.publish(registered);
    this.#entries.set(key, { publication, owner: token, registered, listener: ingress.listener, failures: 0 });
    this.#save();
    this.#options.log.info({ service: publication.service, protocol: publication.protocol, appPort: publication.port, address: ingress.advertise }, 'app publication');
    return { address: ingress.advertise, token };
  }

  /**
   * Withdraws the matching publications: no version means any, no group means the ungrouped
   * only ("*" any). All of them must be `owner`'s, or none is withdrawn.
   */
  async unpublish(query: ServiceQuery, owner: string | undefined): Promise<number> {
    checkQuery(query);
    const group = query.group ?? '';
    const matching = [...this.#entries].filter(
      ([, e]) =>
        e.publication.service === query.service &&
        (query.version === undefined || e.publication.version === query.version) &&
        (group === '*' || (e.publication.group ?? '') === group) &&
        (query.protocol === undefined || e.publication.protocol === query.protocol),
    );
    if (matching.some(([, e]) => !owns(e, owner))) throw notOwner(query.service, owner);
    for (const [key, entry] of matching) await this.#withdraw(key, entry);
    if (matching.length > 0) this.#save();
    return matching.length;
  }

  lookup(query: ServiceQuery): Promise<RegistryUpdate | undefined> {
    return lookupEndpoints(this.#registry, query);
  }

  watch(query: ServiceQuery, listener: (update: RegistryUpdate) => void): () => void {
    return watchEndpoints(this.#registry, query, listener);
  }

  /** Method signatures published with a service (its interface, version and group), for the bridge's typing. */
  signaturesOf(service: ServiceKey): readonly MethodSignature[] | undefined {
    return signaturesIn([...this.#entries.values()].map((entry) => entry.publication), service);
  }


  /** Stops health checks; publications stay (embedded snapshot, or until the ZooKeeper session ends). */
  close(): void {
    clearInterval(this.#timer);
  }

  async #withdraw(key: string, entry: Entry): Promise<void> {
    this.#entries.delete(key);
    this.#ingress.dropAppRoute(entry.listener, key);
    await this.#registry.unpublish(entry.registered);
  }

  async #checkHealth(): Promise<void> {
    for (const [key, entry] of [...this.#entries]) {
      if (await reachable(entry.publication.port)) {
        entry.failures = 0;
        continue;
      }
      entry.failures += 1;
      if (entry.failures < this.#options.maxFailures) continue;
      this.#options.log.warn({ service: entry.publication.service, appPort: entry.publication.port, failures: entry.failures }, 'app is gone; publication withdrawn');
      await this.#withdraw(key, entry).catch(() => {});
      this.#save();
    }
  }

  #save(): void {
    mkdirSync(this.#options.dataDir, { recursive: true });
    const tmp = `${this.#file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify([...this.#entries.values()].map((e) => ({ ...e.publication, owner: e.owner })), null, 2), { mode: 0o600 });
    renameSync(tmp, this.#file);
  }
}

/** The signatures the first of `publications` with `service` (its interface, version and group) carries. */
export function signaturesIn(publications: Iterable<AppPublication>, service: ServiceKey): readonly MethodSignature[] | undefined {
  for (const publication of publications) {
    if (
      publication.signatures &&
      publication.service === service.interface &&
      (publication.version ?? '') === (service.version ?? '') &&
      (publication.group ?? '') === (service.group ?? '')
    ) {
      return publication.signatures;
    }
  }
  return undefined;
}

/**
 * The current endpoints. A set read from the on-disk cache is only a fallback: the live
 * registry gets up to 2 s to answer first (a cache can list providers long gone).
 */
export async function lookupEndpoints(registry: Registry, query: ServiceQuery): Promise<RegistryUpdate | undefined> {
  checkQuery(query);
  let fallback: RegistryUpdate | undefined;
  let settle: (update: RegistryUpdate | undefined) => void = () => {};
  const answered = new Promise<RegistryUpdate | undefined>((resolve) => (settle = resolve));
  const subscription = registry.subscribe(query, (update) => {
    if (update.origin === 'cache') fallback = update;
    else settle(update);
  });
  const current = subscription.current();
  if (current && current.origin !== 'cache') settle(current);
  else if (current) fallback = current;
  const timer = setTimeout(() => settle(fallback), 2_000);
  try {
    return await answered;
  } finally {
    clearTimeout(timer);
    subscription.unsubscribe();
  }
}

/** Calls `listener` with the current endpoint set and every change; returns the stop function. */
export function watchEndpoints(registry: Registry, query: ServiceQuery, listener: (update: RegistryUpdate) => void): () => void {
  checkQuery(query);
  const subscription = registry.subscribe(query, listener);
  const current = subscription.current();
  if (current) listener(current);
  return () => subscription.unsubscribe();
}

/** Whether `owner` is the entry's lease token (a missing token owns nothing). */
function owns(entry: Entry, owner: string | undefined): boolean {
  return owner !== undefined && sameSecret(owner, entry.owner);
}

function notOwner(service: string, sent: string | undefined): MeshError {
  const fix = 'send the token its publish returned (it is withdrawn by its health check when its app goes)';
  return new MeshError('PMESH_NOT_OWNER', sent === undefined ? `${service} is published by another owner and no token was sent: ${fix}` : `${service} is published by another owner: ${fix}`);
}

/** True when something accepts a TCP connection on 127.0.0.1:port within a second. */
function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: 1_000 });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}
