/** node:tls options from the workload identity: TLS 1.3 only, both ends presenting certificates. */
import { checkServerIdentity, type ConnectionOptions, type PeerCertificate, type SecureContextOptions } from 'node:tls';
import { identityFromAltNames } from '../../core/index.js';
import type { TlsMaterial } from './tls-material.js';

export function contextOptions(material: TlsMaterial): SecureContextOptions {
  return { key: material.key, cert: material.cert, ca: material.ca, minVersion: 'TLSv1.3' };
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
