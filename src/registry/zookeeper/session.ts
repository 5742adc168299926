/**
 * One logical ZooKeeper session over node-zookeeper-client, kept alive across outages.
 *
 * The library reconnects by itself after a disconnect (same session, watches re-set by its
 * SetWatches), retrying forever with a random spin delay, also when the server is down at
 * start. An expired session closes its client for good, so we create a new client and tell
 * the owner `newSession: true`: every ephemeral node and watch must then be re-created.
 * Every operation has a deadline, so nothing waits forever on a dead connection.
 *
 * Workaround: node-zookeeper-client 1.1.3 has no deadline between the TCP connect and the
 * server's ConnectResponse. A server that is still starting up can accept the socket and never
 * answer, and the client then waits forever (seen in the outage tests: state CONNECTING, 48
 * bytes written, 0 read, for good). A watchdog destroys a socket that stayed open without
 * completing the handshake for a whole period; the library then reconnects as usual.
 */
import type { Socket } from 'node:net';
import type zookeeper from 'node-zookeeper-client';
import type { Client, Stat } from 'node-zookeeper-client';
import { lazyRequire, type Logger } from '../../core/index.js';
import { ALL_PERMISSIONS, type AclEntry } from './acl.js';
import { guardSocketData } from './socket-data-guard.js';

export interface SessionOptions {
  readonly sessionTimeoutMs: number;
  /** Longest random pause between connection attempts. */
  readonly spinDelayMs: number;
  /** Deadline of each request. */
  readonly requestTimeoutMs: number;
  /** Sent on every connection of every session (`registry.auth`); never logged. */
  readonly auth?: { readonly scheme: string; readonly auth: Buffer; readonly username: string };
}

export interface SessionEvents {
  /** Connected; `newSession` when the session differs from the previous one (or is the first). */
  connected(newSession: boolean): void;
  disconnected(): void;
  expired(): void;
}

export type CreateResult = 'created' | 'exists';

/** Loaded by the first session started: a sidecar on the embedded registry never loads it. */
const zk = lazyRequire<typeof zookeeper>('node-zookeeper-client');

function isCode(error: unknown, code: number): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

export const isNoNode = (e: unknown): boolean => isCode(e, zk().Exception.NO_NODE);
export const isNodeExists = (e: unknown): boolean => isCode(e, zk().Exception.NODE_EXISTS);
export const isNoAuth = (e: unknown): boolean => isCode(e, zk().Exception.NO_AUTH);

/** A refusal by a node's ACL, with what to check (the library's own message is `NO_AUTH[-102]`). */
export class ZkNoAuthError extends Error {
  readonly code = zk().Exception.NO_AUTH;
  constructor(what: string, identity: string | undefined) {
    super(
      identity === undefined
        ? `zookeeper ${what}: refused by the node's ACL (NoAuth); the node is protected and registry.auth is not set`
        : `zookeeper ${what}: refused by the node's ACL (NoAuth) for digest user '${identity}'; check registry.auth.username and the password in registry.auth.passwordFile`,
    );
    this.name = 'ZkNoAuthError';
  }
}

/** ZooKeeper's default when none is asked for: everything for everyone (OPEN_ACL_UNSAFE). */
const OPEN_ACL: readonly AclEntry[] = [{ permissions: ALL_PERMISSIONS, scheme: 'world', id: 'anyone' }];

function toLibraryAcl(entries: readonly AclEntry[] = OPEN_ACL): zookeeper.ACL[] {
  return entries.map((entry) => new (zk().ACL)(entry.permissions, new (zk().Id)(entry.scheme, entry.id)));
}

export class ZkSession {
  readonly #address: string;
  readonly #options: SessionOptions;
  readonly #events: SessionEvents;
  readonly #logger: Logger | undefined;
  #client: Client | undefined;
  #sessionId: string | undefined;
  #connected = false;
  #closed = false;
  #watchdog: NodeJS.Timeout | undefined;
  #suspect: Socket | undefined;

  constructor(address: string, options: SessionOptions, events: SessionEvents, logger?: Logger) {
    this.#address = address;
    this.#options = options;
    this.#events = events;
    this.#logger = logger;
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** Hex session id of the current session, once connected. */
  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  start(): void {
    if (this.#closed || this.#client) return;
    const client = zk().createClient(this.#address, {
      sessionTimeout: this.#options.sessionTimeoutMs,
      spinDelay: this.#options.spinDelayMs,
      retries: 0,
    });
    this.#client = client;
    // Kept by the library and sent again after each connect, before any request of ours.
    if (this.#options.auth) client.addAuthInfo(this.#options.auth.scheme, this.#options.auth.auth);
    guardSocketData(client, (error) => this.#logger?.warn({ address: this.#address, err: error.message }, 'zookeeper sent a reply the client cannot read; reconnecting'));
    client.on('state', (state: zookeeper.State) => this.#onState(client, state));
    client.connect();
    this.#startWatchdog();
  }

  #startWatchdog(): void {
    if (this.#watchdog) return;
    const periodMs = Math.min(5_000, Math.max(1_000, Math.floor(this.#options.sessionTimeoutMs / 4)));
    this.#watchdog = setInterval(() => this.#checkHandshake(), periodMs);
    this.#watchdog.unref();
  }

  #checkHandshake(): void {
    if (this.#connected || !this.#client) {
      this.#suspect = undefined;
      return;
    }
    // Internal field of node-zookeeper-client (see the header): the socket of the attempt in progress.
    const internal = this.#client as unknown as { connectionManager?: { socket?: Socket } };
    const socket = internal.connectionManager?.socket;
    if (socket && socket === this.#suspect && !socket.destroyed && socket.readyState === 'open') {
      this.#logger?.warn({ address: this.#address }, 'zookeeper handshake stalled; retrying the connection');
      socket.destroy();
      this.#suspect = undefined;
      return;
    }
    this.#suspect = socket;
  }

  #onState(client: Client, state: zookeeper.State): void {
    if (client !== this.#client) return;
    if (state === zk().State.SYNC_CONNECTED || state === zk().State.CONNECTED_READ_ONLY) {
      const id = client.getSessionId().toString('hex');
      const newSession = id !== this.#sessionId;
      this.#sessionId = id;
      this.#connected = true;
      this.#events.connected(newSession);
    } else if (state === zk().State.DISCONNECTED) {
      if (!this.#connected) return;
      this.#connected = false;
      this.#events.disconnected();
    } else if (state === zk().State.EXPIRED) {
      this.#connected = false;
      this.#logger?.warn({ session: this.#sessionId }, 'zookeeper session expired; opening a new one');
      this.#client = undefined;
      client.close();
      this.#events.expired();
      // A fresh client (new session); the owner re-creates ephemerals and watches on `connected`.
      setImmediate(() => this.start());
    }
  }

  /** The current session's id and password (fault tests join it to expire it). */
  credentials(): { id: Buffer; password: Buffer } | undefined {
    if (!this.#client || !this.#connected) return undefined;
    return { id: this.#client.getSessionId(), password: this.#client.getSessionPassword() };
  }

  /**
   * Ends the session. When connected, waits (up to 1 s) until the server has answered the
   * close, so our ephemeral nodes are gone before the process goes on (or exits).
   */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#watchdog) clearInterval(this.#watchdog);
    this.#watchdog = undefined;
    const client = this.#client;
    const wasConnected = this.#connected;
    this.#connected = false;
    this.#client = undefined;
    if (!client) return;
    const closed = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, wasConnected ? 1_000 : 0);
      client.once('disconnected', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    client.close();
    await closed;
  }

  #call<T>(what: string, run: (client: Client, done: (error: unknown, value?: T) => void) => void): Promise<T> {
    const client = this.#client;
    if (!client || !this.#connected) return Promise.reject(new Error(`zookeeper ${what}: not connected`));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`zookeeper ${what}: no answer in ${this.#options.requestTimeoutMs} ms`)), this.#options.requestTimeoutMs);
      run(client, (error, value) => {
        clearTimeout(timer);
        if (error && isNoAuth(error)) reject(new ZkNoAuthError(what, this.#options.auth?.username));
        else if (error) reject(error);
        else resolve(value as T);
      });
    });
  }

  /**
   * Creates the missing persistent folders of `path` with `acl` (open to all without one).
   * Existing ones are skipped by looking first: creating one that exists under a parent
   * whose ACL does not let us create would fail with NoAuth instead of NodeExists.
   */
  async mkdirp(path: string, acl?: readonly AclEntry[]): Promise<void> {
    let current = '';
    for (const part of path.split('/').slice(1)) {
      current += `/${part}`;
      if ((await this.stat(current)) === undefined) await this.create(current, false, acl);
    }
  }

  async create(path: string, ephemeral: boolean, acl?: readonly AclEntry[]): Promise<CreateResult> {
    try {
      await this.#call<void>(`create ${path}`, (c, done) =>
        c.create(path, toLibraryAcl(acl), ephemeral ? zk().CreateMode.EPHEMERAL : zk().CreateMode.PERSISTENT, (e) => done(e)),
      );
      return 'created';
    } catch (error) {
      if (isNodeExists(error)) return 'exists';
      throw error;
    }
  }

  /** Stat of a node, or undefined when it does not exist. */
  async stat(path: string): Promise<Stat | undefined> {
    return this.#call<Stat | undefined>(`exists ${path}`, (c, done) => c.exists(path, (e, stat) => done(e, stat ?? undefined)));
  }

  /** Hex owner session of an ephemeral node's stat ('0000000000000000' for persistent nodes). */
  static owner(stat: Stat): string {
    return stat.ephemeralOwner.toString('hex');
  }

  /** The ACL of a node, or undefined when it does not exist. */
  async acl(path: string): Promise<AclEntry[] | undefined> {
    try {
      const acls = await this.#call<zookeeper.ACL[]>(`getACL ${path}`, (c, done) => c.getACL(path, (e, list) => done(e, list)));
      // The library's objects carry `permission`; @types/node-zookeeper-client calls it `perms`.
      return acls.map((entry) => ({ permissions: (entry as unknown as { permission: number }).permission, scheme: entry.id.scheme, id: entry.id.id }));
    } catch (error) {
      if (isNoNode(error)) return undefined;
      throw error;
    }
  }

  /** Removes a node; a missing node is fine. */
  async remove(path: string): Promise<void> {
    try {
      await this.#call<void>(`remove ${path}`, (c, done) => c.remove(path, -1, (e) => done(e)));
    } catch (error) {
      if (!isNoNode(error)) throw error;
    }
  }

  /** Children of `path`, with no watch; [] when it does not exist. */
  async list(path: string): Promise<string[]> {
    try {
      return await this.#call<string[]>(`getChildren ${path}`, (c, done) => c.getChildren(path, (e, kids) => done(e, kids)));
    } catch (error) {
      if (isNoNode(error)) return [];
      throw error;
    }
  }

  /** The data of `path`, or undefined when it does not exist. */
  async data(path: string): Promise<Buffer | undefined> {
    try {
      return await this.#call<Buffer>(`getData ${path}`, (c, done) => c.getData(path, (e, data) => done(e, data)));
    } catch (error) {
      if (isNoNode(error)) return undefined;
      throw error;
    }
  }

  /**
   * Children of `path`, leaving `watcher` set for the next change. The library keeps one
   * registration per (path, function), so passing the same function again never doubles it.
   */
  children(path: string, watcher: () => void): Promise<string[]> {
    return this.#call<string[]>(`getChildren ${path}`, (c, done) => c.getChildren(path, watcher, (e, kids) => done(e, kids)));
  }
}
