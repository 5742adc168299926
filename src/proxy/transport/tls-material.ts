/**
 * The sidecar's workload identity as the transport layer sees it: PEM key, certificate and
 * trust bundle, and a way to hear that they were replaced (a renewal, a rotated file). Made
 * outside the proxy (src/security/workload.ts) and handed in, so the proxy never reads files.
 */
export interface TlsMaterial {
  readonly key: string;
  readonly cert: string;
  /** The trust bundle: roots a peer's certificate must chain to. */
  readonly ca: string;
  /** Peers must carry a SPIFFE id in this trust domain. */
  readonly trustDomain: string;
}

export interface TlsMaterialSource {
  current(): TlsMaterial;
  /** Called after each replacement; returns the unsubscribe function. */
  onChange(listener: (material: TlsMaterial) => void): () => void;
}

/** `listeners[].tls.mode`: mTLS only, mTLS or plaintext (for migration), or plaintext only. */
export type TlsMode = 'strict' | 'permissive' | 'off';
