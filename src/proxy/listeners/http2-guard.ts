/**
 * The HTTP/2 flood protections of one server session (docs/reliability.md; the
 * 2019 HTTP/2 DoS advisories and CVE-2023-44487): PINGs, SETTINGS and streams the
 * peer resets are counted per 10-second window, and a session over any limit is sent
 * GOAWAY ENHANCE_YOUR_CALM and closed. Each trip is counted as
 * `pmesh_limit_exceeded_total{limit=...}`.
 *
 * PINGs count only while the session has no open stream, as grpc-go's server counts
 * them: a busy grpc-go client PINGs on nearly every burst of data it receives (its
 * bandwidth estimator), and those are not abuse. A peer that floods PINGs and never
 * reads the answers is stopped by nghttp2's own bound on queued acknowledgements.
 */
import { constants, type ServerHttp2Session } from 'node:http2';
import type { MeshMetrics } from '../../core/index.js';

export interface Http2FloodLimits {
  readonly maxPingsPer10s: number;
  readonly maxSettingsPer10s: number;
  /** Streams the peer reset before they finished (rapid reset). */
  readonly maxResetsPer10s: number;
}

const WINDOW_MS = 10_000;

type Counted = 'ping' | 'settings' | 'reset';

const LIMIT_NAME: Record<Counted, string> = { ping: 'http2_ping_flood', settings: 'http2_settings_flood', reset: 'http2_rapid_reset' };

export class Http2Guard {
  readonly #session: ServerHttp2Session;
  readonly #limits: Record<Counted, number>;
  readonly #metrics: MeshMetrics;
  readonly #counts: Record<Counted, number> = { ping: 0, settings: 0, reset: 0 };
  #windowStart = performance.now();
  #tripped = false;

  /** `idle` tells whether the session has no open stream. */
  constructor(session: ServerHttp2Session, limits: Http2FloodLimits, metrics: MeshMetrics, idle: () => boolean) {
    this.#session = session;
    this.#metrics = metrics;
    this.#limits = { ping: limits.maxPingsPer10s, settings: limits.maxSettingsPer10s, reset: limits.maxResetsPer10s };
    session.on('ping', () => {
      if (idle()) this.count('ping');
    });
    session.on('remoteSettings', () => this.count('settings'));
  }

  /** Counts one event; over the limit the session is told to go away and closed. */
  count(what: Counted): void {
    const now = performance.now();
    if (now - this.#windowStart >= WINDOW_MS) {
      this.#windowStart = now;
      this.#counts.ping = this.#counts.settings = this.#counts.reset = 0;
    }
    this.#counts[what] += 1;
    if (this.#tripped || this.#counts[what] <= this.#limits[what]) return;
    this.#tripped = true;
    this.#metrics.limitExceeded(LIMIT_NAME[what]);
    if (this.#session.destroyed) return;
    const session = this.#session;
    session.goaway(constants.NGHTTP2_ENHANCE_YOUR_CALM, 0, Buffer.from(`${LIMIT_NAME[what]}: more than ${this.#limits[what]} in 10 s`));
    // Let the GOAWAY leave before the socket closes; the peer gets no more of our time.
    setImmediate(() => session.destroy());
  }
}
