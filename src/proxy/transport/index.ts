/** The transport layer under every listener and upstream: plaintext, mTLS between sidecars, or TLS with apps and providers. */
export { secureConnections, type AppTlsOptions, type IngressTlsOptions, type SidecarTlsOptions } from './ingress.js';
export { connector, describeConnectError, dial, usesMtls, usesTls, SIDECAR_MARK, TLS_MODE_MARK, type EgressTls, type ProviderTls, type UpstreamMtls, type Dialed } from './egress.js';
export { peerOf, type RelayedConnection } from './peer.js';
export type { MaterialSource, PemSet, PemSource, TlsFiles, TlsFilesOpener, TlsMaterial, TlsMaterialSource, TlsMode } from './tls-material.js';
export { writeThisTurn } from './turn-writes.js';
export { CopiedReads } from './copied-reads.js';
