/** The transport layer under every listener and upstream: plaintext or mTLS between sidecars. */
export { secureConnections, type IngressTlsOptions } from './ingress.js';
export { connector, dial, usesMtls, SIDECAR_MARK, TLS_MODE_MARK, type EgressTls, type UpstreamMtls, type Dialed } from './egress.js';
export { peerOf } from './peer.js';
export type { TlsMaterial, TlsMaterialSource, TlsMode } from './tls-material.js';
export { writeThisTurn } from './turn-writes.js';
