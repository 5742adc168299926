/**
 * Connections to upstream endpoints, in plaintext or, when the endpoint is another
 * sidecar's ingress, in mTLS with this sidecar's workload certificate. One function for
 * every upstream (multiplexed, HTTP/1 pools, HTTP/2 sessions), so the protocols never see TLS.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import type { Endpoint } from '../../core/index.js';
import { clientOptions } from './context.js';
import type { TlsMaterialSource } from './tls-material.js';

/**
 * Registry metadata a sidecar writes with the publications it makes for its apps: the
 * endpoint is a pmesh ingress, and its `tls.mode`.
 */
export const SIDECAR_MARK = 'pmesh.sidecar';
export const TLS_MODE_MARK = 'pmesh.tls';

/**
 * `clusters[].mtls`: `auto` speaks mTLS to endpoints the registry marks as sidecar ingresses
 * taking it, `on` to every endpoint (static endpoints that are sidecars), `off` never.
 */
export type UpstreamMtls = 'auto' | 'on' | 'off';

export interface EgressTls {
  readonly mtls: UpstreamMtls;
  /** Absent when the sidecar has no identity: then every connection is plaintext. */
  readonly material?: TlsMaterialSource;
  /** Told the peer's certificate after each mTLS handshake (metrics). */
  readonly onHandshake?: (peer: PeerCertificate) => void;
}

/** Whether the connection to `endpoint` is wrapped in mTLS. */
export function usesMtls(endpoint: Pick<Endpoint, 'metadata'>, tls: EgressTls | undefined): boolean {
  if (!tls?.material || tls.mtls === 'off') return false;
  if (tls.mtls === 'on') return true;
  const mode = endpoint.metadata[TLS_MODE_MARK];
  return mode === 'strict' || mode === 'permissive';
}

export interface Dialed {
  readonly socket: Socket;
  /** The event after which the connection carries calls: `connect`, or `secureConnect` once the handshake is done. */
  readonly readyEvent: 'connect' | 'secureConnect';
}

/**
 * A connector in undici's shape (`connect` option of a Pool): the connection is handed over
 * once ready (after the handshake for mTLS), or the error once, whichever comes first.
 */
export function connector(endpoint: Pick<Endpoint, 'host' | 'port' | 'metadata'>, tls: EgressTls, timeoutMs: number) {
  return (_options: unknown, callback: (...args: [null, Socket] | [Error, null]) => void): void => {
    const { socket, readyEvent } = dial(endpoint, tls);
    let settled = false;
    const settle = (error: Error | null): void => {
      if (settled) return;
      settled = true;
      socket.setTimeout(0);
      if (error) socket.destroy();
      if (error) callback(error, null);
      else callback(null, socket);
    };
    socket.setTimeout(timeoutMs, () => settle(Object.assign(new Error(`no connection within ${timeoutMs} ms`), { code: 'UND_ERR_CONNECT_TIMEOUT' })));
    socket.once(readyEvent, () => settle(null));
    socket.once('error', settle);
  };
}

/** Opens a connection to `endpoint`; the caller waits for `readyEvent`. */
export function dial(endpoint: Pick<Endpoint, 'host' | 'port' | 'metadata'>, tls: EgressTls | undefined, alpn?: readonly string[]): Dialed {
  const { host, port } = endpoint;
  if (!usesMtls(endpoint, tls)) return { socket: netConnect({ host, port, noDelay: true }), readyEvent: 'connect' };
  const socket = tlsConnect({ host, port, ...clientOptions(tls!.material!.current(), alpn) });
  socket.setNoDelay(true);
  const onHandshake = tls!.onHandshake;
  if (onHandshake) socket.once('secureConnect', () => onHandshake(socket.getPeerCertificate()));
  return { socket, readyEvent: 'secureConnect' };
}
