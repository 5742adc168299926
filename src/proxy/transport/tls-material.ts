/**
 * The PEM the transport layer serves and trusts, and a way to hear that it was replaced (a
 * renewal, a rotated file). Made outside the proxy (src/security) and handed in, so the proxy
 * never reads files. Two kinds: the sidecar's workload identity (mTLS between sidecars), and
 * certificate files a config names for TLS with apps and providers that are not sidecars.
 */
export interface MaterialSource<M> {
  current(): M;
  /** Called after each replacement; returns the unsubscribe function. */
  onChange(listener: (material: M) => void): () => void;
}

/** The workload identity: key, certificate, trust bundle and the trust domain peers must be in. */
export interface TlsMaterial {
  readonly key: string;
  readonly cert: string;
  /** The trust bundle: roots a peer's certificate must chain to. */
  readonly ca: string;
  /** Peers must carry a SPIFFE id in this trust domain. */
  readonly trustDomain: string;
}

export type TlsMaterialSource = MaterialSource<TlsMaterial>;

/** Files a config names: a certificate and its key to present, a CA bundle to verify the other end with. */
export interface TlsFiles {
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly caFile?: string;
}

/** What those files hold, read and checked (a key matching its certificate). */
export interface PemSet {
  readonly cert?: string;
  readonly key?: string;
  readonly ca?: string;
}

/** Watched files: replaced contents reach onChange; close stops watching. */
export interface PemSource extends MaterialSource<PemSet> {
  close(): void;
}

/** Reads and starts watching files (src/security/tls-files.ts); throws a clear error when they are unusable. */
export type TlsFilesOpener = (files: TlsFiles) => PemSource;

/** `listeners[].tls.mode`: TLS only, TLS or plaintext (for migration), or plaintext only. */
export type TlsMode = 'strict' | 'permissive' | 'off';
