/**
 * SPIFFE workload identities (spiffe.io, the X.509-SVID profile): a trust domain names the
 * mesh, and each app behind a sidecar is `spiffe://<trust-domain>/app/<name>`, carried as the
 * one URI subject alternative name of its certificate.
 */

/** What the sidecar knows of the other end of an mTLS connection. */
export interface PeerIdentity {
  /** `spiffe://<trust-domain>/app/<name>`. */
  readonly spiffeId: string;
  readonly trustDomain: string;
  /** The `<name>` of `/app/<name>`; undefined for a SPIFFE id of another shape. */
  readonly app: string | undefined;
}

/** RFC 3986 host characters SPIFFE allows in a trust domain (lower case, digits, `.-_`). */
const TRUST_DOMAIN = /^[a-z0-9._-]{1,255}$/;
/** An app name: what a path segment may hold without escaping. */
const APP_NAME = /^[A-Za-z0-9._-]{1,128}$/;

export function checkTrustDomain(trustDomain: string): string {
  if (!TRUST_DOMAIN.test(trustDomain)) {
    throw new Error(`trust domain "${trustDomain}": use lower-case letters, digits, dots, dashes and underscores (example.org)`);
  }
  return trustDomain;
}

export function checkAppName(app: string): string {
  if (!APP_NAME.test(app)) throw new Error(`app name "${app}": use letters, digits, dots, dashes and underscores`);
  return app;
}

export function spiffeIdOf(trustDomain: string, app: string): string {
  return `spiffe://${checkTrustDomain(trustDomain)}/app/${checkAppName(app)}`;
}

/** Parses a SPIFFE id; undefined when the text is not one. */
export function parseSpiffeId(text: string): PeerIdentity | undefined {
  const match = /^spiffe:\/\/([^/]+)(\/.*)?$/.exec(text);
  if (!match || !TRUST_DOMAIN.test(match[1]!)) return undefined;
  const app = /^\/app\/([^/]+)$/.exec(match[2] ?? '')?.[1];
  return { spiffeId: text, trustDomain: match[1]!, app };
}

/**
 * The SPIFFE id in a peer certificate's `subjectaltname` as node:tls shows it
 * (`URI:spiffe://example.org/app/orders, DNS:...`): the first URI SAN that parses.
 */
export function identityFromAltNames(subjectAltName: string | undefined): PeerIdentity | undefined {
  for (const entry of (subjectAltName ?? '').split(', ')) {
    if (!entry.startsWith('URI:')) continue;
    const identity = parseSpiffeId(entry.slice(4));
    if (identity) return identity;
  }
  return undefined;
}
