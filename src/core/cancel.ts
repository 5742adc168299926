/**
 * Cancellation of one call. Made for every call on the hot path, so it is a plain
 * object with a list of listeners, made only when someone listens: an AbortController
 * cost about a quarter of the HTTP/1 bench's throughput, and an EventEmitter its own
 * init and a wrapper closure per `once` (a few % of the Bolt pass-through profile).
 * The reason is always a MeshError.
 */
import type { MeshError } from './errors.js';

/**
 * What runs on cancel: a function, or an object whose `cancelled` method runs, for a
 * caller that already makes an object per call and need not make a closure too.
 */
export type AbortListener = ((reason: MeshError) => void) | { cancelled(reason: MeshError): void };

function notify(listener: AbortListener, reason: MeshError): void {
  if (typeof listener === 'function') listener(reason);
  else listener.cancelled(reason);
}

export class Cancel {
  #reason: MeshError | undefined;
  /** One listener is kept as it is (most calls have one, the upstream's): no array per call. */
  #listeners: AbortListener | AbortListener[] | undefined;

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
    if (Array.isArray(listeners)) for (const listener of listeners) notify(listener, reason);
    else if (listeners) notify(listeners, reason);
  }

  /** Runs `listener` on cancel (at once if already cancelled), once. */
  onAbort(listener: AbortListener): void {
    if (this.#reason) notify(listener, this.#reason);
    else if (this.#listeners === undefined) this.#listeners = listener;
    else if (Array.isArray(this.#listeners)) this.#listeners.push(listener);
    else this.#listeners = [this.#listeners, listener];
  }

  /** Forgets a listener added with onAbort that has not run. */
  offAbort(listener: AbortListener): void {
    const listeners = this.#listeners;
    if (listeners === listener) this.#listeners = undefined;
    if (!Array.isArray(listeners)) return;
    const index = listeners.indexOf(listener);
    if (index !== -1) listeners.splice(index, 1);
  }
}

/**
 * `waited`, or a rejection with the cancel's reason as soon as `cancel` fires: for the few
 * waits below the timeout step that are not an upstream's (which answer a cancel themselves),
 * so a call whose deadline passes while it waits is answered then.
 */
export function untilCancelled<T>(waited: Promise<T>, cancel: Cancel): Promise<T> {
  if (cancel.reason) return Promise.reject(cancel.reason);
  return new Promise<T>((resolve, reject) => {
    const listener = { cancelled: reject };
    cancel.onAbort(listener);
    waited.then(
      (value) => {
        cancel.offAbort(listener);
        resolve(value);
      },
      (error: unknown) => {
        cancel.offAbort(listener);
        reject(error);
      },
    );
  });
}
