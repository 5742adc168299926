/** The identity of the other end of an accepted connection, read once from its certificate. */
import { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { identityFromAltNames, type PeerIdentity } from '../../core/index.js';

const known = new WeakMap<Duplex, PeerIdentity | null>();

/** The SPIFFE identity of a verified mTLS peer; undefined for plaintext or a certificate without one. */
export function peerOf(socket: Duplex): PeerIdentity | undefined {
  let identity = known.get(socket);
  if (identity === undefined) {
    identity = socket instanceof TLSSocket && socket.authorized ? (identityFromAltNames(socket.getPeerCertificate().subjectaltname) ?? null) : null;
    known.set(socket, identity);
  }
  return identity ?? undefined;
}
