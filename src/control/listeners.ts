/**
 * The sidecar's listeners, kept in step with the config: a listener whose protocol and
 * address stay keeps its socket and connections and gets the new handler; one that moved
 * or went is drained and closed before its replacement binds.
 */
import type { Logger, MeshMetrics } from '../core/index.js';
import { ClassPolicy } from '../bridge/index.js';
import { autoSchema, type ListenerConfig, type MeshConfig } from '../config/index.js';
import { AUTO_PROTOCOL, PartialFrameBudget, createListener, type Handler, type IngressTlsOptions, type Listener, type ListenerSpec, type TlsMaterialSource } from '../proxy/index.js';

export interface ListenerParts {
  /** The call stack for a listener. */
  readonly handlerFor: (spec: ListenerConfig) => Handler;
  /** Gone from the config: the listener's router can go too. */
  readonly onRemoved: (name: string) => void;
  /** What a listener serves beside routed calls (the app API), asked when the listener is made. */
  readonly servicesFor: (spec: ListenerConfig) => Pick<ListenerSpec, 'local' | 'grpcServices' | 'appApi'>;
}

export class MeshListeners {
  readonly #listeners = new Map<string, Listener>();
  readonly #metrics: MeshMetrics;
  readonly #log: Logger;
  /** Bytes held in partial binary frames, all listeners together (fixed at start). */
  readonly #partialFrames: PartialFrameBudget;
  /** The workload certificate ingress TLS serves (absent: every listener is plaintext). */
  readonly #identity: () => TlsMaterialSource | undefined;
  /** Each listener's `tls` and `appApi` when it was made: both sit under the server, so a change needs a new listener. */
  readonly #listenerTls = new Map<string, string>();

  constructor(config: MeshConfig, metrics: MeshMetrics, log: Logger, identity: () => TlsMaterialSource | undefined = () => undefined) {
    this.#metrics = metrics;
    this.#log = log;
    this.#identity = identity;
    this.#partialFrames = new PartialFrameBudget(config.defaults.maxPartialFrameBytes);
  }

  get inFlight(): number {
    return [...this.#listeners.values()].reduce((sum, l) => sum + l.inFlight, 0);
  }

  /** Listener name -> address, of those listening. */
  addresses(): Record<string, string> {
    return Object.fromEntries([...this.#listeners.values()].map((l) => [l.name, l.address]));
  }

  /** A listener's TLS as served: none without an identity or with `mode: off`. */
  ingressTls(tls: ListenerConfig['tls']): IngressTlsOptions | undefined {
    const material = this.#identity();
    if (!material || tls.mode === 'off') return undefined;
    return { mode: tls.mode, material, handshakeTimeoutMs: tls.handshakeTimeoutMs };
  }

  async apply(config: MeshConfig, parts: ListenerParts): Promise<void> {
    const wanted = new Map(config.listeners.map((l) => [l.name, l]));
    const stopping: Promise<void>[] = [];
    for (const [name, listener] of this.#listeners) {
      const next = wanted.get(name);
      if (!next || next.address !== listener.address || next.protocol !== listener.protocol || this.#listenerTls.get(name) !== madeWith(next)) {
        this.#listeners.delete(name);
        stopping.push(listener.close(config.defaults.drainTimeoutMs));
        if (!next) parts.onRemoved(name);
      }
    }
    // Free the ports being given up before binding their replacements.
    await Promise.all(stopping);
    for (const spec of config.listeners) {
      const handler = parts.handlerFor(spec);
      const existing = this.#listeners.get(spec.name);
      if (existing) {
        existing.setHandler(handler);
        continue;
      }
      const listener = createListener({
        name: spec.name,
        protocol: spec.protocol,
        address: spec.address,
        handler,
        metrics: this.#metrics,
        log: this.#log.child({ listener: spec.name }),
        maxHeaderBytes: config.defaults.maxHeaderBytes,
        maxBodyBytes: config.defaults.maxBodyBytes,
        maxFrameBytes: config.defaults.maxFrameBytes,
        frameReadTimeoutMs: config.defaults.frameReadTimeoutMs,
        headersTimeoutMs: config.defaults.headersTimeoutMs,
        maxConnections: config.defaults.maxConnectionsPerListener,
        partialFrames: this.#partialFrames,
        classScan: (spec.scanClasses ?? spec.ingress) ? new ClassPolicy({ deny: config.bridge.denyClasses }) : undefined,
        ...parts.servicesFor(spec),
        grpc: config.grpc,
        tls: this.ingressTls(spec.tls),
        auto: spec.protocol === AUTO_PROTOCOL ? (spec.auto ?? autoSchema.parse({})) : undefined,
      });
      await listener.start();
      this.#listenerTls.set(spec.name, madeWith(spec));
      this.#listeners.set(spec.name, listener);
    }
  }

  async close(drainMs: number): Promise<void> {
    await Promise.all([...this.#listeners.values()].map((listener) => listener.close(drainMs)));
  }
}

/** What of a listener's config is fixed when it is made (TLS under its server, the app API beside its calls). */
function madeWith(spec: ListenerConfig): string {
  return JSON.stringify([spec.tls, spec.appApi]);
}
