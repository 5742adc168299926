/**
 * The HTTP/2 flood protections of one caller connection (docs/reliability.md; the 2019
 * HTTP/2 DoS advisories and CVE-2023-44487): PINGs, SETTINGS and streams the caller
 * resets are counted per 10-second window; a connection over any limit is sent GOAWAY
 * ENHANCE_YOUR_CALM and closed. PINGs count only while no stream is open, and a reply
 * sent forgives those counted before it, as grpc-go's server counts them (it resets its
 * ping strikes when it sends headers or data): a busy grpc-go client PINGs for its
 * bandwidth estimate after each reply it reads, often just as its last stream closed.
 */
import type { H2Connection } from './connection.js';
import { ErrorCode } from './frames.js';

export interface FloodLimits {
  readonly maxPingsPer10s: number;
  readonly maxSettingsPer10s: number;
  /** Streams the peer reset before they finished (rapid reset). */
  readonly maxResetsPer10s: number;
}

const WINDOW_MS = 10_000;

export type Counted = 'ping' | 'settings' | 'reset';

const LIMIT_NAME: Record<Counted, string> = { ping: 'http2_ping_flood', settings: 'http2_settings_flood', reset: 'http2_rapid_reset' };

export class RelayGuard {
  readonly #conn: H2Connection;
  readonly #limits: Record<Counted, number>;
  readonly #onLimit: (limit: string) => void;
  readonly #counts: Record<Counted, number> = { ping: 0, settings: 0, reset: 0 };
  #windowStart = performance.now();
  #tripped = false;

  constructor(conn: H2Connection, limits: FloodLimits, onLimit: (limit: string) => void) {
    this.#conn = conn;
    this.#onLimit = onLimit;
    this.#limits = { ping: limits.maxPingsPer10s, settings: limits.maxSettingsPer10s, reset: limits.maxResetsPer10s };
  }

  /** A reply went to the caller: the PINGs counted so far were a working client's. */
  replied(): void {
    this.#counts.ping = 0;
  }

  /** Counts one event; over the limit the connection is told to go away and closed. */
  count(what: Counted): void {
    const now = performance.now();
    if (now - this.#windowStart >= WINDOW_MS) {
      this.#windowStart = now;
      this.#counts.ping = this.#counts.settings = this.#counts.reset = 0;
    }
    this.#counts[what] += 1;
    if (this.#tripped || this.#counts[what] <= this.#limits[what]) return;
    this.#tripped = true;
    this.#onLimit(LIMIT_NAME[what]);
    this.#conn.sendGoaway(0x7fff_ffff, ErrorCode.ENHANCE_YOUR_CALM, `${LIMIT_NAME[what]}: more than ${this.#limits[what]} in 10 s`);
    this.#conn.destroy();
  }
}
