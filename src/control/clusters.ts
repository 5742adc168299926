/**
 * Every cluster the sidecar has, by name, and where each comes from: the config (static
 * endpoints or a registry feed), the registry on first use (egress calls no route matched),
 * or an app that published through this sidecar (`app:<key>`). A reload changes only what
 * changed: a cluster that stays keeps its pools and the health of the endpoints that stay.
 */
import { MeshError, makeEndpoint, serviceKeyString, type MeshMetrics, type ServiceKey } from '../core/index.js';
import type { ClusterConfig, MeshConfig } from '../config/index.js';
import { Cluster, balancerName, createBalancer, createUpstream, usesMtls, type ClusterSnapshot, type EgressTls, type PemSource, type TlsFilesOpener, type TlsMaterialSource } from '../proxy/index.js';
import type { Registry } from '../registry/index.js';
import { OnDemandClusters, type OnDemandLimits } from './on-demand-clusters.js';
import { RegistryClusters, type ClusterOrigin, type RegistryClustersOptions } from './registry-clusters.js';

/** The sidecar's metrics as clusters use them: the data plane's, and the registry's empty protection. */
export interface ClusterMetrics extends MeshMetrics {
  registryEmptyProtected(): void;
}

/** How long a call to a service not seen before waits for the registry to say who provides it. */
const FIRST_ANSWER_WAIT_MS = 3_000;

/** An app cluster's connections: one local endpoint, short connect timeout. */
const APP_UPSTREAM = { connectTimeoutMs: 1_000, maxConnectionsPerEndpoint: 64, maxPendingStreamsPerEndpoint: 1024, connectionsPerEndpoint: 1, heartbeatIntervalMs: 15_000, maxMissedHeartbeats: 3 };

export class MeshClusters {
  readonly #clusters = new Map<string, Cluster>();
  readonly #registryClusters: RegistryClusters;
  /** Registry clusters made on first use by egress calls no route matched, kept across reloads. */
  readonly #onDemand: OnDemandClusters;
  readonly #metrics: ClusterMetrics;
  /** The workload certificate for mTLS to other sidecars (absent: every connection is plaintext). */
  readonly #identity: () => TlsMaterialSource | undefined;
  /** Each cluster's `mtls` and `tls` when its upstream was made: a change makes the upstream anew. */
  readonly #clusterMtls = new Map<string, string>();
  /** Reads and watches the files of `clusters[].tls` (absent: a cluster naming them is refused). */
  readonly #tlsFiles: TlsFilesOpener | undefined;
  /** Those files, per cluster, watched while its upstream lives. */
  readonly #providerTlsFiles = new Map<string, PemSource>();
  /** Each cluster's TLS as its upstream dials: its health probes connect the same way. */
  readonly #clusterTls = new Map<string, EgressTls | undefined>();
  readonly #registryScheme: ((protocol: string) => string) | undefined;
  /** The identity whose replacements renew the clusters' mTLS connections, and how to stop hearing of them. */
  #rotation: { material: TlsMaterialSource; unsubscribe: () => void } | undefined;
  #config: MeshConfig;

  /**
   * `registryScheme`: the scheme a registry lists a protocol's providers under (tri for Triple);
   * `identity`: the workload certificate for mTLS to other sidecars; `tlsFiles`: reads the
   * certificate files of `clusters[].tls`.
   */
  constructor(
    config: MeshConfig,
    registry: Registry,
    metrics: ClusterMetrics,
    registryScheme?: (protocol: string) => string,
    identity: () => TlsMaterialSource | undefined = () => undefined,
    tlsFiles?: TlsFilesOpener,
  ) {
    this.#config = config;
    this.#tlsFiles = tlsFiles;
    this.#metrics = metrics;
    this.#registryScheme = registryScheme;
    this.#identity = identity;
    this.#registryClusters = new RegistryClusters(registry, this.#registryClusterOptions(config));
    this.#onDemand = new OnDemandClusters(
      {
        create: (cluster) => {
          this.#ensure(cluster);
          return this.#registryClusters.add(cluster.name, cluster, (name) => this.#clusters.get(name));
        },
        drop: (name) => this.#drop(name),
        metrics,
      },
      onDemandLimits(config),
    );
  }

  get(name: string): Cluster | undefined {
    return this.#clusters.get(name);
  }

  snapshots(): ClusterSnapshot[] {
    return [...this.#clusters.values()].map((cluster) => cluster.snapshot());
  }

  /** Every cluster now (the dashboard's topology). */
  all(): Cluster[] {
    return [...this.#clusters.values()];
  }

  /** The registry feed each registry-fed cluster came from, by cluster name. */
  origins(): Record<string, ClusterOrigin> {
    return this.#registryClusters.origins();
  }

  /** Each cluster's snapshot with the registry feed it came from, if any (admin /clusters). */
  snapshotsWithOrigin(): Array<ClusterSnapshot & { registry: ClusterOrigin | undefined }> {
    const origins = this.#registryClusters.origins();
    return [...this.#clusters.values()].map((cluster) => ({ ...cluster.snapshot(), registry: origins[cluster.name] }));
  }

  /** The configured clusters: made or updated; those gone from the config closed (app and on-demand ones stay). */
  apply(config: MeshConfig): void {
    this.#config = config;
    this.#registryClusters.setOptions(this.#registryClusterOptions(config));
    this.#onDemand.setLimits(onDemandLimits(config));
    const wanted = new Set(config.clusters.map((c) => c.name));
    for (const [name, cluster] of this.#clusters) {
      if (!wanted.has(name) && !name.startsWith('app:') && !this.#onDemand.has(name)) {
        this.#clusters.delete(name);
        this.#clusterMtls.delete(name);
        void cluster.close();
      }
    }
    for (const cluster of config.clusters) this.#ensure(cluster);
    this.#registryClusters.apply(config.clusters, (name) => this.#clusters.get(name));
  }

  /** The registry cluster for `service` over `protocol`, made on first use (the router's fallback). */
  onDemand(protocol: string, service: ServiceKey): string | Promise<string> {
    return this.#onDemand.existing(protocol, service) ?? this.#onDemand.resolve(protocol, service);
  }

  /** The cluster `name` for an app listening on 127.0.0.1:port, made on first use. */
  toApp(name: string, protocol: string, port: number): void {
    let cluster = this.#clusters.get(name);
    if (!cluster) {
      const upstream = createUpstream(protocol, { cluster: name, ...APP_UPSTREAM, ...this.#upstreamDefaults() });
      cluster = new Cluster(name, protocol, 'round_robin', createBalancer('round_robin'), upstream);
      cluster.setMetrics(this.#metrics);
      this.#clusters.set(name, cluster);
    }
    cluster.setEndpoints([makeEndpoint(`127.0.0.1:${port}`, { source: 'app' })]);
  }

  dropApp(name: string): void {
    const cluster = this.#clusters.get(name);
    this.#clusters.delete(name);
    void cluster?.close();
  }

  async close(): Promise<void> {
    this.#rotation?.unsubscribe();
    this.#rotation = undefined;
    this.#registryClusters.close();
    this.#onDemand.close();
    await Promise.all([...this.#clusters.values()].map((cluster) => cluster.close()));
    for (const name of [...this.#providerTlsFiles.keys()]) this.#closeTlsFiles(name);
  }

  #ensure(config: ClusterConfig): void {
    let balancer;
    try {
      balancer = createBalancer(config.balancer);
    } catch (error) {
      throw new MeshError('PMESH_CONFIG_INVALID', `cluster ${config.name}: ${(error as Error).message}`);
    }
    const policy = balancerName(config.balancer);
    let cluster = this.#clusters.get(config.name);
    const security = JSON.stringify([config.mtls, config.tls]);
    if (cluster && (cluster.protocol !== config.protocol || this.#clusterMtls.get(config.name) !== security)) {
      void cluster.close();
      this.#closeTlsFiles(config.name);
      cluster = undefined;
    }
    if (!cluster) {
      const tls = this.#egressTls(config);
      const upstream = createUpstream(config.protocol, {
        cluster: config.name,
        connectTimeoutMs: config.connectTimeoutMs,
        maxConnectionsPerEndpoint: config.maxConnectionsPerEndpoint,
        maxPendingStreamsPerEndpoint: config.maxPendingStreamsPerEndpoint,
        connectionsPerEndpoint: config.connectionsPerEndpoint,
        heartbeatIntervalMs: config.heartbeatIntervalMs,
        maxMissedHeartbeats: config.maxMissedHeartbeats,
        ...this.#upstreamDefaults(),
        tls,
      });
      cluster = new Cluster(config.name, config.protocol, policy, balancer, upstream);
      this.#clusters.set(config.name, cluster);
      this.#clusterMtls.set(config.name, security);
      this.#clusterTls.set(config.name, tls);
    } else {
      cluster.setBalancer(policy, balancer);
      cluster.upstream.setLimits?.({ maxConnectionsPerEndpoint: config.maxConnectionsPerEndpoint, maxPendingStreamsPerEndpoint: config.maxPendingStreamsPerEndpoint });
    }
    cluster.setCircuitBreaker(config.circuitBreaker);
    try {
      cluster.setHealth(config.outlierDetection, config.healthCheck, this.#metrics, this.#clusterTls.get(config.name));
    } catch (error) {
      throw MeshError.from(error, 'PMESH_CONFIG_INVALID');
    }
    cluster.sofaHessian = config.sofaHessian;
    if (config.service === undefined) {
      cluster.setEndpoints(config.endpoints.map((address) => makeEndpoint(address, { source: 'static' })));
    } else {
      cluster.service = serviceKeyString({ interface: config.service, version: config.version, group: config.group });
    }
  }

  #drop(name: string): void {
    this.#registryClusters.remove(name);
    const cluster = this.#clusters.get(name);
    this.#clusters.delete(name);
    this.#clusterMtls.delete(name);
    this.#clusterTls.delete(name);
    void cluster?.close();
    this.#closeTlsFiles(name);
  }

  /** mTLS to sidecars with the workload identity, TLS to providers with `clusters[].tls` (its files watched from here on), both, or none. */
  #egressTls(config: ClusterConfig): EgressTls | undefined {
    const material = this.#identity();
    if (material) this.#followRotation(material);
    const provider = config.tls ? { files: this.#openTlsFiles(config.name, config.tls), serverName: config.tls.serverName } : undefined;
    if (!material && !provider) return undefined;
    const metrics = this.#metrics;
    return {
      mtls: config.mtls,
      material,
      provider,
      onHandshake: (ok) => metrics.upstreamTlsHandshake(config.name, ok ? 'ok' : 'failed'),
      onPeerCertificate: (peer) => metrics.tlsPeerCertificate('egress', config.name, Date.parse(peer.valid_from)),
    };
  }

  #openTlsFiles(cluster: string, tls: NonNullable<ClusterConfig['tls']>): PemSource {
    if (!this.#tlsFiles) throw new MeshError('PMESH_CONFIG_INVALID', `cluster ${cluster}: this sidecar cannot read TLS files`);
    let files: PemSource;
    try {
      files = this.#tlsFiles({ caFile: tls.caFile, certFile: tls.certFile, keyFile: tls.keyFile });
    } catch (error) {
      throw new MeshError('PMESH_CONFIG_INVALID', `cluster ${cluster}: tls: ${(error as Error).message}`);
    }
    this.#providerTlsFiles.set(cluster, files);
    return files;
  }

  #closeTlsFiles(cluster: string): void {
    this.#providerTlsFiles.get(cluster)?.close();
    this.#providerTlsFiles.delete(cluster);
  }

  /**
   * A connection keeps the certificate it was made with, and Bolt and Dubbo connections live
   * as long as the sidecars do: without renewal a rotated (or revoked and replaced) certificate
   * would never be shown to a peer already connected. When the identity changes, every
   * cluster's mTLS connections are retired (calls in flight finish on them) and the next
   * calls handshake anew with the new certificate.
   */
  #followRotation(material: TlsMaterialSource): void {
    if (this.#rotation?.material === material) return;
    this.#rotation?.unsubscribe();
    const unsubscribe = material.onChange(() => {
      for (const [name, cluster] of this.#clusters) {
        const tls = this.#clusterTls.get(name);
        if (tls === undefined) continue;
        const renewed = cluster.renewConnections((endpoint) => usesMtls(endpoint, tls));
        if (renewed > 0) this.#metrics.tlsConnectionsRenewed(name, renewed);
      }
    });
    this.#rotation = { material, unsubscribe };
  }

  /** What every upstream shares: metrics, the frame limit, gRPC keepalive and retry buffer. */
  #upstreamDefaults(): { metrics: MeshMetrics; maxFrameBytes: number; keepaliveMs: number; keepaliveTimeoutMs: number; retryBufferBytes: number } {
    const { defaults, grpc } = this.#config;
    return { metrics: this.#metrics, maxFrameBytes: defaults.maxFrameBytes, keepaliveMs: grpc.keepaliveMs, keepaliveTimeoutMs: grpc.keepaliveTimeoutMs, retryBufferBytes: grpc.upstreamRetryBufferBytes };
  }

  #registryClusterOptions(config: MeshConfig): RegistryClustersOptions {
    return { emptyGraceMs: config.defaults.registryEmptyGraceMs, onEmptyProtected: () => this.#metrics.registryEmptyProtected(), registryScheme: this.#registryScheme };
  }
}

function onDemandLimits(config: MeshConfig): OnDemandLimits {
  return {
    maxClusters: config.defaults.maxOnDemandClusters,
    idleMs: config.defaults.onDemandClusterIdleMs,
    firstAnswerMs: FIRST_ANSWER_WAIT_MS,
  };
}
