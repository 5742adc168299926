/**
 * The ephemeral nodes this sidecar owns (provider and consumer registrations). They are
 * wanted until withdrawn: created when connected, re-created on every new session (ZooKeeper
 * deleted them with the old one), retried every `retryMs` while a create fails. A node left
 * by an older session of ours (still alive on the server for a moment) is replaced, so there
 * is never a stale or duplicate node (docs/reliability.md).
 */
import type { Logger } from '../../core/index.js';
import type { Counters } from '../common.js';
import type { AclEntry } from './acl.js';
import { ZkSession } from './session.js';

/** ACLs of the registrations and of the folders created for them; undefined: open to all. */
export interface NodeAcls {
  readonly node?: readonly AclEntry[];
  readonly parent?: readonly AclEntry[];
}

export class EphemeralNodes {
  readonly #session: ZkSession;
  readonly #retryMs: number;
  readonly #events: Counters;
  readonly #onError: (error: unknown) => void;
  readonly #logger: Logger | undefined;
  readonly #acl: NodeAcls;
  /** full path -> parent path */
  readonly #wanted = new Map<string, string>();
  readonly #pending = new Set<string>();
  readonly #removals = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #chain: Promise<void> = Promise.resolve();

  constructor(session: ZkSession, retryMs: number, events: Counters, acl: NodeAcls, onError: (error: unknown) => void, logger?: Logger) {
    this.#session = session;
    this.#acl = acl;
    this.#retryMs = retryMs;
    this.#events = events;
    this.#onError = onError;
    this.#logger = logger;
  }

  get size(): number {
    return this.#wanted.size;
  }

  add(parent: string, name: string): string {
    const full = `${parent}/${name}`;
    this.#wanted.set(full, parent);
    this.#removals.delete(full);
    this.#pending.add(full);
    void this.flush();
    return full;
  }

  delete(full: string): void {
    if (!this.#wanted.delete(full)) return;
    this.#pending.delete(full);
    this.#removals.add(full);
    void this.flush();
  }

  /** A new session: every wanted node must be created again. */
  sessionChanged(): void {
    for (const full of this.#wanted.keys()) this.#pending.add(full);
    void this.flush();
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Queues a pass over pending creates and removals (passes run one at a time, so a pass
   * queued after a session change sees every node it re-added). Resolves when that pass is done.
   */
  flush(): Promise<void> {
    this.#chain = this.#chain.then(() => this.#pass());
    return this.#chain;
  }

  async #pass(): Promise<void> {
    if (!this.#session.connected) return;
    let failed = false;
    for (const full of [...this.#removals]) {
      try {
        await this.#session.remove(full);
        this.#removals.delete(full);
        this.#events.bump('unregister');
      } catch (error) {
        failed = true;
        this.#onError(error);
      }
    }
    for (const full of [...this.#pending]) {
      const parent = this.#wanted.get(full);
      if (parent === undefined) continue;
      try {
        await this.#ensure(parent, full);
        this.#pending.delete(full);
        this.#events.bump('register');
      } catch (error) {
        failed = true;
        this.#onError(error);
      }
    }
    if (failed && !this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.flush();
      }, this.#retryMs);
      this.#timer.unref();
    }
  }

  async #ensure(parent: string, full: string): Promise<void> {
    await this.#session.mkdirp(parent, this.#acl.parent);
    if ((await this.#session.create(full, true, this.#acl.node)) === 'created') return;
    const stat = await this.#session.stat(full);
    if (stat && ZkSession.owner(stat) === this.#session.sessionId) return;
    // Left by an earlier session of ours (or another owner): replace it with one of this session.
    this.#logger?.info({ path: full }, 'zookeeper: replacing a node owned by another session');
    await this.#session.remove(full);
    await this.#session.create(full, true, this.#acl.node);
  }
}
