/**
 * The sidecar's listeners, kept in step with the config: a listener whose protocol and
 * address stay keeps its socket and connections and gets the new handler; one that moved
 * or went is drained and closed before its replacement binds.
 */
import { MeshError, type Logger, type MeshMetrics } from '../core/index.js';
import { ClassPolicy } from '../bridge/index.js';
import { autoSchema, type ListenerConfig, type MeshConfig } from '../config/index.js';
import {
  AUTO_PROTOCOL,
  PartialFrameBudget,
  createListener,
  type Handler,
  type IngressTlsOptions,
  type Listener,
  type ListenerSpec,
  type PemSource,
  type TlsFilesOpener,
  type TlsMaterialSource,
} from '../proxy/index.js';

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
  /** Reads and watches the certificate files of listeners serving apps TLS (`tls.certFile`). */
  readonly #tlsFiles: TlsFilesOpener | undefined;
  /** Those files, per listener, watched while the listener lives. */
  readonly #appTlsFiles = new Map<string, PemSource>();

  constructor(config: MeshConfig, metrics: MeshMetrics, log: Logger, identity: () => TlsMaterialSource | undefined = () => undefined, tlsFiles?: TlsFilesOpener) {
    this.#metrics = metrics;
    this.#log = log;
    this.#identity = identity;
    this.#tlsFiles = tlsFiles;
    this.#partialFrames = new PartialFrameBudget(config.defaults.maxPartialFrameBytes);
  }

  get inFlight(): number {
    return [...this.#listeners.values()].reduce((sum, l) => sum + l.inFlight, 0);
  }

  /** Listener name -> address, of those listening. */
  addresses(): Record<string, string> {
    return Object.fromEntries([...this.#listeners.values()].map((l) => [l.name, l.address]));
  }

  /** A listener's mTLS from sidecars as served: none without an identity, with `mode: off`, or on a listener serving apps TLS. */
  ingressTls(tls: ListenerConfig['tls']): IngressTlsOptions | undefined {
    const material = this.#identity();
    if (!material || tls.mode === 'off' || tls.certFile !== undefined) return undefined;
    return { mode: tls.mode, material, handshakeTimeoutMs: tls.handshakeTimeoutMs };
  }

  async apply(config: MeshConfig, parts: ListenerParts): Promise<void> {
    const wanted = new Map(config.listeners.map((l) => [l.name, l]));
    const stopping: Promise<void>[] = [];
    for (const [name, listener] of this.#listeners) {
      const next = wanted.get(name);
      if (!next || next.address !== listener.address || next.protocol !== listener.protocol || this.#listenerTls.get(name) !== madeWith(next)) {
        this.#listeners.delete(name);
        stopping.push(listener.close(config.defaults.drainTimeoutMs).finally(() => this.#closeTlsFiles(name)));
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
      const tls = this.#tlsOf(spec);
      let listener: Listener;
      try {
        listener = createListener({
          name: spec.name,
          protocol: spec.protocol,
          address: spec.address,
          handler,
          metrics: this.#metrics,
          log: this.#log.child({ listener: spec.name }),
          maxHeaderBytes: config.defaults.maxHeaderBytes,
          maxHeaderCount: config.defaults.maxHeaderCount,
          maxBodyBytes: config.defaults.maxBodyBytes,
          maxFrameBytes: config.defaults.maxFrameBytes,
          frameReadTimeoutMs: config.defaults.frameReadTimeoutMs,
          headersTimeoutMs: config.defaults.headersTimeoutMs,
          requestTimeoutMs: config.defaults.requestTimeoutMs,
          keepAliveTimeoutMs: config.defaults.keepAliveTimeoutMs,
          maxConnections: config.defaults.maxConnectionsPerListener,
          partialFrames: this.#partialFrames,
          classScan: (spec.scanClasses ?? spec.ingress) ? new ClassPolicy({ deny: config.bridge.denyClasses }) : undefined,
          ...parts.servicesFor(spec),
          grpc: config.grpc,
          tls,
          auto: spec.protocol === AUTO_PROTOCOL ? (spec.auto ?? autoSchema.parse({})) : undefined,
        });
        await listener.start();
      } catch (error) {
        this.#closeTlsFiles(spec.name);
        throw error;
      }
      this.#listenerTls.set(spec.name, madeWith(spec));
      this.#listeners.set(spec.name, listener);
    }
  }

  async close(drainMs: number): Promise<void> {
    await Promise.all([...this.#listeners.values()].map((listener) => listener.close(drainMs)));
    for (const name of [...this.#appTlsFiles.keys()]) this.#closeTlsFiles(name);
  }

  /** mTLS from sidecars, TLS to apps with the listener's own certificate files (watched from here on), or none. */
  #tlsOf(spec: ListenerConfig): IngressTlsOptions | undefined {
    const { tls } = spec;
    if (tls.certFile === undefined || tls.mode === 'off') return this.ingressTls(tls);
    if (!this.#tlsFiles) throw new MeshError('PMESH_CONFIG_INVALID', `listener ${spec.name}: this sidecar cannot read TLS files`);
    let files: PemSource;
    try {
      files = this.#tlsFiles({ certFile: tls.certFile, keyFile: tls.keyFile, caFile: tls.caFile });
    } catch (error) {
      throw new MeshError('PMESH_CONFIG_INVALID', `listener ${spec.name}: tls: ${(error as Error).message}`);
    }
    this.#appTlsFiles.set(spec.name, files);
    return { peers: 'apps', mode: tls.mode, material: files, handshakeTimeoutMs: tls.handshakeTimeoutMs };
  }

  #closeTlsFiles(name: string): void {
    this.#appTlsFiles.get(name)?.close();
    this.#appTlsFiles.delete(name);
  }
}

/** What of a listener's config is fixed when it is made (TLS under its server, the app API beside its calls). */
function madeWith(spec: ListenerConfig): string {
  return JSON.stringify([spec.tls, spec.appApi]);
}
