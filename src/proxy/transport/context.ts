/**
 * node:tls options. Between sidecars: the workload identity, TLS 1.3 only, both ends
 * presenting certificates. With apps and providers: the certificate files a config names,
 * TLS 1.2 or later (what Java and Python peers of every supported version speak).
 */
import { isIP } from 'node:net';
import { checkServerIdentity, type ConnectionOptions, type PeerCertificate, type SecureContextOptions } from 'node:tls';
import { identityFromAltNames } from '../../core/index.js';
import type { PemSet, TlsMaterial } from './tls-material.js';

export function contextOptions(material: TlsMaterial): SecureContextOptions {
  return { key: material.key, cert: material.cert, ca: material.ca, minVersion: 'TLSv1.3' };
}

/** A listener serving apps: its own certificate, and the CA bundle client certificates must chain to when there is one. */
export function appContextOptions(pem: PemSet): SecureContextOptions {
  return { key: pem.key, cert: pem.cert, ...(pem.ca ? { ca: pem.ca } : {}), minVersion: 'TLSv1.2' };
}

/**
 * Client options for a connection to another sidecar. The chain is checked against the
 * trust bundle by node:tls; the name check is SPIFFE's, not a host name's: workload
 * certificates carry no DNS name, only a `spiffe://` id that must be in our trust domain.
 */
export function clientOptions(material: TlsMaterial, alpn: readonly string[] | undefined): ConnectionOptions {
  return {
    ...contextOptions(material),
    rejectUnauthorized: true,
    ...(alpn ? { ALPNProtocols: [...alpn] } : {}),
    checkServerIdentity: (host: string, cert: PeerCertificate) => {
      const peer = identityFromAltNames(cert.subjectaltname);
      if (peer?.trustDomain === material.trustDomain) return undefined;
      const error = checkServerIdentity(host, cert) ?? new Error('not a workload of this mesh');
      error.message = `the peer's certificate names ${peer ? peer.spiffeId : 'no SPIFFE id'}, not one of spiffe://${material.trustDomain}`;
      return error;
    },
  };
}

/**
 * Client options for a provider serving TLS itself (`clusters[].tls`): its certificate must
 * chain to the CA bundle and name `serverName`, or the endpoint's host (a DNS name or IP SAN).
 * SNI carries the name, never an IP address (RFC 6066 section 3).
 */
export function providerClientOptions(pem: PemSet, host: string, serverName: string | undefined, alpn: readonly string[] | undefined): ConnectionOptions {
  const name = serverName ?? host;
  return {
    ca: pem.ca,
    ...(pem.cert && pem.key ? { cert: pem.cert, key: pem.key } : {}),
    minVersion: 'TLSv1.2',
    rejectUnauthorized: true,
    ...(isIP(name) ? {} : { servername: name }),
    ...(alpn ? { ALPNProtocols: [...alpn] } : {}),
    checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(name, cert),
  };
}
