/**
 * Calls and events between the primary and one worker over the cluster IPC channel
 * (`worker.send` / `process.send`, structured clone). A call gets exactly one reply, matched
 * by id; a MeshError thrown by the handler is thrown again, reason kept, on the calling side,
 * so a refused publish reads the same in a worker as in a single process. Events are one-way.
 */
import { MeshError, type Reason } from '../core/index.js';

/** What carries messages: a cluster Worker in the primary, the process in a worker, a pair in tests. */
export interface Port {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
}

type Message =
  | { readonly kind: 'call'; readonly id: number; readonly op: string; readonly args: unknown }
  | { readonly kind: 'reply'; readonly id: number; readonly value?: unknown; readonly error?: { readonly message: string; readonly reason?: Reason } }
  | { readonly kind: 'event'; readonly op: string; readonly args: unknown };

type CallHandler = (args: never) => unknown;
type EventHandler = (args: never) => void;

export class Channel {
  readonly #port: Port;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  readonly #calls = new Map<string, CallHandler>();
  readonly #events = new Map<string, EventHandler>();
  #nextId = 1;
  #closed: Error | undefined;

  constructor(port: Port) {
    this.#port = port;
    port.onMessage((message) => this.#receive(message as Message));
  }

  /** Asks the other side; rejects when it throws, or when the channel closes first. */
  call<T>(op: string, args: unknown): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closed);
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#send({ kind: 'call', id, op, args });
    });
  }

  /** Tells the other side; nothing comes back. */
  emit(op: string, args: unknown): void {
    if (!this.#closed) this.#send({ kind: 'event', op, args });
  }

  /** Answers `op` calls with what `handler` returns (or throws). */
  handle<A>(op: string, handler: (args: A) => unknown): void {
    this.#calls.set(op, handler as CallHandler);
  }

  on<A>(op: string, handler: (args: A) => void): void {
    this.#events.set(op, handler as EventHandler);
  }

  /** The other side is gone: calls waiting for it fail, later ones fail at once. */
  close(reason: string): void {
    this.#closed ??= new MeshError('PMESH_INTERNAL', reason);
    for (const pending of this.#pending.values()) pending.reject(this.#closed);
    this.#pending.clear();
  }

  #send(message: Message): void {
    try {
      this.#port.send(message);
    } catch (error) {
      // The channel closed under us (the other process exited): its waiters are failed by close().
      this.close(`the IPC channel is closed: ${String(error)}`);
    }
  }

  #receive(message: Message): void {
    if (typeof message !== 'object' || message === null) return;
    if (message.kind === 'reply') {
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      if (message.error) pending.reject(message.error.reason ? new MeshError(message.error.reason, message.error.message) : new Error(message.error.message));
      else pending.resolve(message.value);
    } else if (message.kind === 'event') {
      this.#events.get(message.op)?.(message.args as never);
    } else if (message.kind === 'call') {
      void this.#answer(message.id, message.op, message.args);
    }
  }

  async #answer(id: number, op: string, args: unknown): Promise<void> {
    const handler = this.#calls.get(op);
    try {
      if (!handler) throw new Error(`no handler for ${op}`);
      this.#send({ kind: 'reply', id, value: await handler(args as never) });
    } catch (error) {
      const reason = MeshError.is(error) ? error.reason : undefined;
      this.#send({ kind: 'reply', id, error: { message: error instanceof Error ? error.message : String(error), reason } });
    }
  }
}
