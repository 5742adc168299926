/** The identity of the other end of an accepted connection, read once from its certificate. */
import { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { identityFromAltNames, type PeerIdentity } from '../../core/index.js';

const known = new WeakMap<Duplex, PeerIdentity | null>();

/** A stream standing for a connection it relays (the auto listener's replayed socket): its peer is that connection's. */
export interface RelayedConnection {
  readonly underlying: Duplex;
}

/** The SPIFFE identity of a verified mTLS peer; undefined for plaintext or a certificate without one. */
export function peerOf(socket: Duplex): PeerIdentity | undefined {
  let identity = known.get(socket);
  if (identity === undefined) {
    const connection = 'underlying' in socket ? (socket as unknown as RelayedConnection).underlying : socket;
    identity = connection instanceof TLSSocket && connection.authorized ? (identityFromAltNames(connection.getPeerCertificate().subjectaltname) ?? null) : null;
    known.set(socket, identity);
  }
  return identity ?? undefined;
}
