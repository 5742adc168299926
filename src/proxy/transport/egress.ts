/**
 * Connections to upstream endpoints: in plaintext; in mTLS with this sidecar's workload
 * certificate when the endpoint is another sidecar's ingress; or in TLS to a provider that
 * serves it itself (`clusters[].tls`). One function for every upstream (multiplexed, HTTP/1
 * pools, HTTP/2 sessions), so the protocols never see TLS.
 */
import { connect as netConnect, type OnReadOpts, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import type { Endpoint } from '../../core/index.js';
import { clientOptions, providerClientOptions } from './context.js';
import type { MaterialSource, PemSet, TlsMaterialSource } from './tls-material.js';

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

/** `clusters[].tls`: the provider's own TLS, verified against a CA bundle. */
export interface ProviderTls {
  /** The CA bundle, and the client certificate and key when the provider asks for one. */
  readonly files: MaterialSource<PemSet>;
  /** The name the provider's certificate must carry; default the endpoint's host. */
  readonly serverName?: string;
}

export interface EgressTls {
  readonly mtls: UpstreamMtls;
  /** Absent when the sidecar has no identity: then no connection is mTLS. */
  readonly material?: TlsMaterialSource;
  /** TLS to every endpoint that is not a sidecar taking mTLS. */
  readonly provider?: ProviderTls;
  /** Each TLS handshake's outcome (pmesh_upstream_tls_handshakes_total). */
  readonly onHandshake?: (ok: boolean) => void;
  /** Told the other sidecar's certificate after each mTLS handshake (pmesh_tls_peer_certificate_not_before_seconds). */
  readonly onPeerCertificate?: (peer: PeerCertificate) => void;
}

type Target = Pick<Endpoint, 'host' | 'port' | 'metadata'>;

/** Whether the connection to `endpoint` is wrapped in mTLS. */
export function usesMtls(endpoint: Pick<Endpoint, 'metadata'>, tls: EgressTls | undefined): boolean {
  if (!tls?.material || tls.mtls === 'off') return false;
  if (tls.mtls === 'on') return true;
  const mode = endpoint.metadata[TLS_MODE_MARK];
  return mode === 'strict' || mode === 'permissive';
}

/** Whether the connection to `endpoint` is wrapped in TLS of either kind. */
export function usesTls(endpoint: Pick<Endpoint, 'metadata'>, tls: EgressTls | undefined): boolean {
  return tls?.provider !== undefined || usesMtls(endpoint, tls);
}

export interface Dialed {
  readonly socket: Socket;
  /** The event after which the connection carries calls: `connect`, or `secureConnect` once the handshake is done. */
  readonly readyEvent: 'connect' | 'secureConnect';
}

/**
 * A connector in undici's shape (the HTTP/1 upstream pool dials with it): the connection is handed over
 * once ready (after the handshake for TLS), or the error once, whichever comes first. `onread` is
 * used for a plaintext connection only (see `dial`).
 */
export function connector(endpoint: Target, tls: EgressTls | undefined, timeoutMs: number) {
  return (options: { readonly onread?: OnReadOpts } | null, callback: (...args: [null, Socket] | [Error, null]) => void): void => {
    const { socket, readyEvent } = dial(endpoint, tls, undefined, options?.onread);
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
    socket.once('error', (error: Error) => settle(new Error(describeConnectError(error))));
  };
}

/**
 * Opens a connection to `endpoint`; the caller waits for `readyEvent`. `onread` (Node's option: reads
 * go to its callback, no `data` events) is taken by a plaintext connection only: check `usesTls` first.
 */
export function dial(endpoint: Target, tls: EgressTls | undefined, alpn?: readonly string[], onread?: OnReadOpts): Dialed {
  const { host, port } = endpoint;
  const options = tlsOptions(endpoint, tls, alpn);
  if (!options) return { socket: netConnect({ host, port, noDelay: true, ...(onread && { onread }) }), readyEvent: 'connect' };
  const socket = tlsConnect({ host, port, ...options });
  socket.setNoDelay(true);
  watchHandshake(socket, tls?.onHandshake);
  const onPeer = tls?.onPeerCertificate;
  if (onPeer && usesMtls(endpoint, tls)) socket.once('secureConnect', () => onPeer(socket.getPeerCertificate()));
  return { socket, readyEvent: 'secureConnect' };
}

function tlsOptions(endpoint: Target, tls: EgressTls | undefined, alpn: readonly string[] | undefined): ConnectionOptions | undefined {
  if (usesMtls(endpoint, tls)) return clientOptions(tls!.material!.current(), alpn);
  if (tls?.provider) return providerClientOptions(tls.provider.files.current(), endpoint.host, tls.provider.serverName, alpn);
  return undefined;
}

/** Errors raised by a TLS handshake (after TCP connected, before secureConnect), to name them as such. */
const handshakeErrors = new WeakSet<Error>();

function watchHandshake(socket: Socket, onHandshake: ((ok: boolean) => void) | undefined): void {
  let connected = false;
  let done = false;
  socket.once('connect', () => (connected = true));
  socket.once('secureConnect', () => {
    done = true;
    onHandshake?.(true);
  });
  // Registered before the caller's own listeners, so the error is marked before they describe it.
  socket.once('error', (error: Error) => {
    if (!connected || done) return;
    handshakeErrors.add(error);
    onHandshake?.(false);
  });
}

/**
 * A connection error as a caller should read it: the code of a socket error (ECONNREFUSED),
 * or, for a refused TLS handshake, what was wrong with the provider's certificate.
 */
export function describeConnectError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (handshakeErrors.has(error)) return `TLS handshake failed: ${error.message}${code ? ` (${code})` : ''}`;
  return code ?? error.message;
}
