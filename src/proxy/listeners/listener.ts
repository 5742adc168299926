/** What every listener offers the composition root, whatever its protocol. */
import type { Handler } from '../filter.js';

export interface Listener {
  readonly name: string;
  readonly protocol: string;
  readonly address: string;
  /** Binds the port; rejects with the OS error (EADDRINUSE...) named. */
  start(): Promise<void>;
  /** Swaps the filter chain (hot reload); calls in flight finish on the old one. */
  setHandler(handler: Handler): void;
  /** Calls accepted and not yet answered. */
  readonly inFlight: number;
  /**
   * Stops accepting, lets calls in flight finish for at most `drainMs`, then closes
   * every connection. Resolves when the listener is fully closed.
   */
  close(drainMs: number): Promise<void>;
}
