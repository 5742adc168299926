/**
 * One logical ZooKeeper session over node-zookeeper-client, kept alive across outages.
 *
 * The library reconnects by itself after a disconnect (same session, watches re-set by its
 * SetWatches), retrying forever with a random spin delay, also when the server is down at
 * start. An expired session closes its client for good, so we create a new client and tell
 * the owner `newSession: true`: every ephemeral node and watch must then be re-created.
 * Every operation has a deadline, so nothing waits forever on a dead connection.
 */
import zookeeper, { type Client, type Stat } from 'node-zookeeper-client';
import type { Logger } from '../../core/index.js';

export interface SessionOptions {
  readonly sessionTimeoutMs: number;
  /** Longest random pause between connection attempts. */
  readonly spinDelayMs: number;
  /** Deadline of each request. */
  readonly requestTimeoutMs: number;
}

export interface SessionEvents {
  /** Connected; `newSession` when the session differs from the previous one (or is the first). */
  connected(newSession: boolean): void;
  disconnected(): void;
  expired(): void;
}

export type CreateResult = 'created' | 'exists';

function isCode(error: unknown, code: number): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

export const isNoNode = (e: unknown): boolean => isCode(e, zookeeper.Exception.NO_NODE);
export const isNodeExists = (e: unknown): boolean => isCode(e, zookeeper.Exception.NODE_EXISTS);

export class ZkSession {
  readonly #address: string;
  readonly #options: SessionOptions;
  readonly #events: SessionEvents;
  readonly #logger: Logger | undefined;
  #client: Client | undefined;
  #sessionId: string | undefined;
  #connected = false;
  #closed = false;

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
    const client = zookeeper.createClient(this.#address, {
      sessionTimeout: this.#options.sessionTimeoutMs,
      spinDelay: this.#options.spinDelayMs,
      retries: 0,
    });
    this.#client = client;
    client.on('state', (state: zookeeper.State) => this.#onState(client, state));
    client.connect();
  }

  #onState(client: Client, state: zookeeper.State): void {
    if (client !== this.#client) return;
    if (state === zookeeper.State.SYNC_CONNECTED || state === zookeeper.State.CONNECTED_READ_ONLY) {
      const id = client.getSessionId().toString('hex');
      const newSession = id !== this.#sessionId;
      this.#sessionId = id;
      this.#connected = true;
      this.#events.connected(newSession);
    } else if (state === zookeeper.State.DISCONNECTED) {
      if (!this.#connected) return;
      this.#connected = false;
      this.#events.disconnected();
    } else if (state === zookeeper.State.EXPIRED) {
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

  close(): void {
    this.#closed = true;
    this.#connected = false;
    this.#client?.close();
    this.#client = undefined;
  }

  #call<T>(what: string, run: (client: Client, done: (error: unknown, value?: T) => void) => void): Promise<T> {
    const client = this.#client;
    if (!client || !this.#connected) return Promise.reject(new Error(`zookeeper ${what}: not connected`));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`zookeeper ${what}: no answer in ${this.#options.requestTimeoutMs} ms`)), this.#options.requestTimeoutMs);
      run(client, (error, value) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(value as T);
      });
    });
  }

  /** Creates persistent parents as needed. */
  mkdirp(path: string): Promise<void> {
    return this.#call<void>(`mkdirp ${path}`, (c, done) => c.mkdirp(path, (e) => done(e)));
  }

  async create(path: string, ephemeral: boolean): Promise<CreateResult> {
    try {
      await this.#call<void>(`create ${path}`, (c, done) =>
        c.create(path, ephemeral ? zookeeper.CreateMode.EPHEMERAL : zookeeper.CreateMode.PERSISTENT, (e) => done(e)),
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

  /** Removes a node; a missing node is fine. */
  async remove(path: string): Promise<void> {
    try {
      await this.#call<void>(`remove ${path}`, (c, done) => c.remove(path, -1, (e) => done(e)));
    } catch (error) {
      if (!isNoNode(error)) throw error;
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
