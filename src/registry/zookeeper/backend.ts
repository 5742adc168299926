/**
 * The ZooKeeper backend: publishes into and watches both Dubbo's and SOFARPC's trees, so
 * Java apps on either framework and apps behind sidecars find each other.
 *
 * Fail-safe rules (docs/reliability.md, "Registry fail-safety"):
 * - start never waits for ZooKeeper: subscriptions are served from the on-disk cache of
 *   last-known providers, and the session keeps retrying;
 * - a disconnect or an expiry never empties a subscription: the last set stays, marked
 *   `last-known`; a set that would become empty is re-read after `emptyConfirmMs` and only
 *   accepted if still empty;
 * - a new session re-creates every ephemeral node (nodes.ts) and re-reads every watch.
 */
import { join } from 'node:path';
import type { Endpoint, Logger } from '../../core/index.js';
import { Counters, matches, publicationKey, StatusTracker, SubscriptionHub, uniqueByAddress, type HubSubscription } from '../common.js';
import type { Publication, Registry, RegistryListener, RegistryState, ServiceQuery, SubscribeOptions, Subscription, UpdateOrigin } from '../registry.js';
import { readJsonFile, SnapshotWriter } from '../snapshot.js';
import { checkPublication, checkQuery } from '../validate.js';
import { digestMismatch, loadCredentials, permissionLetters, type ZkCredentials } from './acl.js';
import type { ZooKeeperConfig } from './config.js';
import { EphemeralNodes } from './nodes.js';
import { categoryPath, javaUrlEncode, layoutOf, layoutsFor, type Layout } from './paths.js';
import { ZkNoAuthError, ZkSession, isNoNode } from './session.js';
import { dubboConsumerUrl, dubboProviderUrl, sofaConsumerUrl, sofaProviderUrl, type UrlContext } from './url.js';
import { decodeChildren, ORIGIN_RANK, type CacheFile, type ProviderWatch } from './watch.js';

export class ZooKeeperRegistry implements Registry {
  readonly backend = 'zookeeper';
  readonly #config: ZooKeeperConfig;
  readonly #logger: Logger | undefined;
  readonly #hub: SubscriptionHub;
  readonly #status = new StatusTracker('connecting');
  readonly #events = new Counters();
  readonly #session: ZkSession;
  readonly #nodes: EphemeralNodes;
  readonly #cacheWriter: SnapshotWriter;
  readonly #cache = new Map<string, { at: number; children: string[] }>();
  readonly #watches = new Map<string, ProviderWatch>();
  /** publication key -> its node path */
  readonly #published = new Map<string, { publication: Publication; node: string }>();
  readonly #consumerNodes = new Map<number, string[]>();
  readonly #started = Date.now();
  readonly #credentials: ZkCredentials | undefined;
  /** The last NoAuth message logged, so a retried refusal is logged once, not every retryMs. */
  #lastNoAuth: string | undefined;

  constructor(config: ZooKeeperConfig, context: { dataDir: string; logger?: Logger }) {
    this.#config = config;
    this.#logger = context.logger;
    this.#hub = new SubscriptionHub(this.backend, context.logger);
    this.#credentials = config.auth && loadCredentials(config.auth, config.acl);
    const auth = this.#credentials && { scheme: this.#credentials.scheme, auth: this.#credentials.auth, username: this.#credentials.username };
    this.#session = new ZkSession(
      config.address,
      { sessionTimeoutMs: config.sessionTimeoutMs, spinDelayMs: config.spinDelayMs, requestTimeoutMs: config.requestTimeoutMs, ...(auth ? { auth } : {}) },
      { connected: (fresh) => this.#onConnected(fresh), disconnected: () => this.#onDisconnected('disconnected'), expired: () => this.#onDisconnected('expired') },
      context.logger,
    );
    const acls = this.#credentials ? { node: this.#credentials.nodeAcl, parent: this.#credentials.parentAcl } : {};
    this.#nodes = new EphemeralNodes(this.#session, config.retryMs, this.#events, acls, (error) => this.#error(error), context.logger);
    const file = config.cacheFile ?? join(context.dataDir, `registry-zookeeper-${config.address.replace(/[^\w.-]+/g, '_')}.json`);
    this.#cacheWriter = new SnapshotWriter(file, () => this.#cacheFile(), { delayMs: 200, onError: (error) => this.#error(error) });
  }

  async start(): Promise<void> {
    const raw = readJsonFile(this.#cacheWriter.path) as Partial<CacheFile> | undefined;
    if (raw?.format === 'pmesh-zookeeper-cache' && raw.watches && typeof raw.watches === 'object') {
      for (const [path, entry] of Object.entries(raw.watches)) {
        if (Array.isArray(entry?.children)) this.#cache.set(path, { at: Number(entry.at) || 0, children: entry.children.filter((c) => typeof c === 'string') });
      }
      this.#events.bump('cache_loaded');
    }
    if (this.#credentials) {
      const world = (bits: number | undefined): string => permissionLetters(bits ?? 0);
      this.#logger?.info(
        { user: this.#credentials.username, nodes: world(this.#credentials.nodeAcl[1]?.permissions), folders: world(this.#credentials.parentAcl[1]?.permissions) },
        'zookeeper: digest auth on; nodes created with all rights for the user and these for everyone',
      );
    }
    this.#session.start();
  }

  async publish(publication: Publication): Promise<void> {
    checkPublication(publication);
    const key = publicationKey(publication);
    const layout = layoutOf(publication.protocol);
    const ctx = this.#urlContext(publication.application);
    const url = layout === 'dubbo' ? dubboProviderUrl(publication, ctx) : sofaProviderUrl(publication, ctx);
    const parent = categoryPath(this.#config.roots, layout, publication.service, 'providers');
    const previous = this.#published.get(key);
    if (previous) this.#nodes.delete(previous.node);
    const node = this.#nodes.add(parent, javaUrlEncode(url));
    this.#published.set(key, { publication: Object.freeze({ ...publication }), node });
    this.#events.bump('publish');
  }

  async unpublish(publication: Publication): Promise<void> {
    const key = publicationKey(publication);
    const entry = this.#published.get(key);
    if (!entry) return;
    this.#published.delete(key);
    this.#nodes.delete(entry.node);
    this.#events.bump('unpublish');
  }

  subscribe(query: ServiceQuery, listener: RegistryListener, options: SubscribeOptions = {}): Subscription {
    checkQuery(query);
    const sub = this.#hub.add(query, listener, options, (s) => this.#onUnsubscribe(s));
    this.#events.bump('subscribe');
    const layouts = layoutsFor(query.protocol);
    for (const layout of layouts) {
      const watch = this.#watch(categoryPath(this.#config.roots, layout, query.service, 'providers'), layout, query.service);
      watch.subs.add(sub);
      // A new watch (even one primed from the cache) is not watched in ZooKeeper yet: read it now.
      if (this.#session.connected && watch.origin !== 'registry') void this.#refresh(watch);
    }
    const consumer = options.consumer;
    if (consumer) {
      const ctx = this.#urlContext(consumer.application);
      this.#consumerNodes.set(
        sub.id,
        layouts.map((layout) => {
          const url = layout === 'dubbo' ? dubboConsumerUrl(query, consumer.host, ctx) : sofaConsumerUrl(query, consumer.host, ctx);
          return this.#nodes.add(categoryPath(this.#config.roots, layout, query.service, 'consumers'), javaUrlEncode(url));
        }),
      );
    }
    setImmediate(() => this.#deliver(sub));
    return sub;
  }

  unsubscribe(subscription: Subscription): void {
    subscription.unsubscribe();
  }

  async close(): Promise<void> {
    if (this.#status.status === 'closed') return;
    for (const sub of this.#hub.all()) sub.unsubscribe();
    this.#nodes.close();
    await this.#cacheWriter.flush();
    // Closing the session deletes our ephemeral nodes at once on the server.
    await this.#session.close();
    this.#status.set('closed');
  }

  /**
   * Dubbo's metadata report: `/dubbo/metadata/<interface>/<version>[/<group>]/provider/<application>`,
   * written by providers with a metadata center; the first application's definition is taken.
   */
  async serviceDefinition(query: ServiceQuery): Promise<string | undefined> {
    // Right after start the session may still be connecting: wait for it a little, then
    // say "cannot tell" (reject) rather than "there is none" (undefined).
    for (const until = Date.now() + 3_000; !this.#session.connected && Date.now() < until; ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!this.#session.connected) throw new Error('zookeeper: not connected, the service definition cannot be read');
    const base = ['/dubbo/metadata', query.service, query.version, query.group].filter((part) => part).join('/');
    const apps = await this.#session.list(`${base}/provider`);
    for (const app of apps.sort()) {
      const data = await this.#session.data(`${base}/provider/${app}`);
      if (data && data.length > 0) return data.toString('utf8');
    }
    return undefined;
  }

  state(): RegistryState {
    return {
      backend: this.backend,
      status: this.#status.status,
      since: this.#status.since,
      ...(this.#status.lastError ? { lastError: this.#status.lastError } : {}),
      publications: this.#published.size,
      subscriptions: this.#hub.size,
      events: this.#events.snapshot(),
    };
  }

  /** The live session's id and password (admin views; fault tests compare ids across an expiry). */
  sessionCredentials(): { id: Buffer; password: Buffer } | undefined {
    return this.#session.credentials();
  }

  /** Waits until every wanted node exists in the current session (tests, orderly start-up). */
  settle(): Promise<void> {
    return this.#nodes.flush();
  }

  #urlContext(application: string | undefined): UrlContext {
    return { timestamp: this.#started, pid: process.pid, application: application ?? this.#config.application };
  }

  #watch(path: string, layout: Layout, service: string): ProviderWatch {
    let watch = this.#watches.get(path);
    if (watch) return watch;
    const created: ProviderWatch = {
      path,
      layout,
      service,
      subs: new Set(),
      watcher: () => void this.#refresh(created),
      endpoints: [],
      origin: 'cache',
      known: false,
      refreshing: false,
      again: false,
      emptySince: undefined,
      retry: undefined,
    };
    const cached = this.#cache.get(path);
    if (cached) {
      created.endpoints = decodeChildren(created, cached.children, 'cache');
      created.known = true;
    }
    watch = created;
    this.#watches.set(path, watch);
    return watch;
  }

  async #refresh(watch: ProviderWatch): Promise<void> {
    if (this.#watches.get(watch.path) !== watch || !this.#session.connected) return;
    if (watch.refreshing) {
      watch.again = true;
      return;
    }
    watch.refreshing = true;
    try {
      let children: string[];
      try {
        children = await this.#session.children(watch.path, watch.watcher);
      } catch (error) {
        if (!isNoNode(error)) throw error;
        // Nobody has registered yet: create the path (as Dubbo's consumers do) and watch it.
        await this.#session.mkdirp(watch.path, this.#credentials?.parentAcl);
        children = await this.#session.children(watch.path, watch.watcher);
      }
      this.#accept(watch, children);
    } catch (error) {
      this.#error(error);
      this.#retryLater(watch);
    } finally {
      watch.refreshing = false;
      if (watch.again) {
        watch.again = false;
        void this.#refresh(watch);
      }
    }
  }

  #accept(watch: ProviderWatch, children: string[]): void {
    const endpoints = decodeChildren(watch, children, 'registry');
    if (endpoints.length === 0 && watch.endpoints.length > 0) {
      // An empty list right after a session change may be our own nodes not re-created yet,
      // or a notify storm: confirm it once more before emptying (docs/reliability.md).
      const now = Date.now();
      watch.emptySince ??= now;
      if (now - watch.emptySince < this.#config.emptyConfirmMs) {
        this.#retryLater(watch, this.#config.emptyConfirmMs - (now - watch.emptySince));
        return;
      }
    }
    watch.emptySince = undefined;
    watch.endpoints = endpoints;
    watch.origin = 'registry';
    watch.known = true;
    this.#events.bump('notify');
    this.#cache.set(watch.path, { at: Date.now(), children });
    this.#cacheWriter.schedule();
    for (const sub of watch.subs) this.#deliver(sub);
  }

  #retryLater(watch: ProviderWatch, delayMs = this.#config.retryMs): void {
    if (watch.retry) return;
    watch.retry = setTimeout(() => {
      watch.retry = undefined;
      void this.#refresh(watch);
    }, delayMs);
    watch.retry.unref();
  }

  #deliver(sub: HubSubscription): void {
    const endpoints: Endpoint[] = [];
    let origin: UpdateOrigin = 'registry';
    let known = false;
    for (const watch of this.#watches.values()) {
      if (!watch.subs.has(sub) || !watch.known) continue;
      known = true;
      if (ORIGIN_RANK[watch.origin] > ORIGIN_RANK[origin]) origin = watch.origin;
      for (const endpoint of watch.endpoints) if (matches(sub.query, endpoint.metadata)) endpoints.push(endpoint);
    }
    // Nothing known yet (no cache, registry not answered): say nothing rather than "empty".
    if (known) this.#hub.deliver(sub, uniqueByAddress(endpoints), origin);
  }

  #onUnsubscribe(sub: HubSubscription): void {
    this.#events.bump('unsubscribe');
    for (const [path, watch] of this.#watches) {
      if (!watch.subs.delete(sub) || watch.subs.size > 0) continue;
      if (watch.retry) clearTimeout(watch.retry);
      // The library's watcher stays registered until it fires once; #refresh ignores it then.
      this.#watches.delete(path);
    }
    for (const node of this.#consumerNodes.get(sub.id) ?? []) this.#nodes.delete(node);
    this.#consumerNodes.delete(sub.id);
  }

  #onConnected(newSession: boolean): void {
    this.#status.set('connected');
    this.#events.bump(newSession ? 'session' : 'reconnected');
    this.#logger?.info({ address: this.#config.address, newSession }, 'zookeeper connected');
    if (newSession) {
      this.#nodes.sessionChanged();
      void this.#checkPassword();
    }
    // Our own nodes first: a watch re-read before they are back would drop our own providers
    // for a moment after a session expiry.
    void this.#nodes.flush().finally(() => {
      for (const watch of this.#watches.values()) void this.#refresh(watch);
    });
  }

  #onDisconnected(event: 'disconnected' | 'expired'): void {
    this.#events.bump(event);
    if (this.#status.set('disconnected')) this.#logger?.warn({ address: this.#config.address, event }, 'zookeeper unreachable; serving last-known endpoints');
    for (const watch of this.#watches.values()) if (watch.origin === 'registry') watch.origin = 'last-known';
    for (const sub of this.#hub.all()) this.#deliver(sub);
  }

  /**
   * A wrong password is no login error in ZooKeeper, only another identity: look at the roots
   * for an ACL naming our user with another digest, and say so before NoAuth errors pile up.
   */
  async #checkPassword(): Promise<void> {
    const credentials = this.#credentials;
    if (!credentials) return;
    for (const root of new Set(Object.values(this.#config.roots))) {
      try {
        const acl = await this.#session.acl(root);
        if (!acl || !digestMismatch(credentials, acl)) continue;
        const message = `registry.auth: ${root} was created by digest user '${credentials.username}' with another password; the one in passwordFile does not match (ZooKeeper will refuse changes with NoAuth)`;
        this.#events.bump('auth_mismatch');
        this.#status.error(new Error(message));
        this.#logger?.error({ path: root, user: credentials.username }, message);
        return;
      } catch (error) {
        this.#error(error);
      }
    }
  }

  #error(error: unknown): void {
    this.#status.error(error);
    this.#events.bump('error');
    if (error instanceof ZkNoAuthError) {
      this.#events.bump('no_auth');
      if (error.message !== this.#lastNoAuth) this.#logger?.error({ err: error.message }, 'zookeeper refused an operation (NoAuth)');
      this.#lastNoAuth = error.message;
      return;
    }
    this.#logger?.debug({ err: error }, 'zookeeper operation failed');
  }

  #cacheFile(): CacheFile {
    return { format: 'pmesh-zookeeper-cache', version: 1, address: this.#config.address, watches: Object.fromEntries(this.#cache) };
  }
}
