/**
 * Cancellation of one call. Made for every call on the hot path, so it is a plain
 * object with a list of listeners, made only when someone listens: an AbortController
 * cost about a quarter of the HTTP/1 bench's throughput, and an EventEmitter its own
 * init and a wrapper closure per `once` (a few % of the Bolt pass-through profile).
 * The reason is always a MeshError.
 */
import type { MeshError } from './errors.js';

type AbortListener = (reason: MeshError) => void;

export class Cancel {
  #reason: MeshError | undefined;
  #listeners: AbortListener[] | undefined;

  get aborted(): boolean {
    return this.#reason !== undefined;
  }

  get reason(): MeshError | undefined {
    return this.#reason;
  }

  /** Cancels once, running the listeners in the order they were added; later calls keep the first reason. */
  abort(reason: MeshError): void {
    if (this.#reason) return;
    this.#reason = reason;
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners) for (const listener of listeners) listener(reason);
  }

  /** Runs `listener` on cancel (at once if already cancelled), once. */
  onAbort(listener: AbortListener): void {
    if (this.#reason) listener(this.#reason);
    else (this.#listeners ??= []).push(listener);
  }

  /** Forgets a listener added with onAbort that has not run. */
  offAbort(listener: AbortListener): void {
    const listeners = this.#listeners;
    if (!listeners) return;
    const index = listeners.indexOf(listener);
    if (index !== -1) listeners.splice(index, 1);
  }
}
