/**
 * TLS under a listener, whatever its protocol: the server's `connection` handlers are
 * moved behind a step that looks at the first byte of each new connection. A TLS record
 * (0x16, a ClientHello) goes through a node:tls server; the decrypted socket is then
 * handed to the listener's own handlers as if it had just connected. Anything else is
 * plaintext: served in `permissive` mode, closed in `strict` mode. Each outcome is counted
 * per listener (pmesh_tls_connections_total).
 *
 * Two kinds of peer, one path. Sidecars (`peers: 'sidecars'`) get mTLS with the workload
 * identity: a client certificate chained to the trust bundle and naming a SPIFFE id of our
 * trust domain is required. Apps (`peers: 'apps'`) get TLS with the listener's own
 * certificate, and must present a client certificate only when the listener names a CA
 * bundle for them.
 *
 * A new certificate (renewal, rotated files) becomes the context of new handshakes
 * (tls.Server#setSecureContext); connections already open keep theirs and are not dropped.
 */
import type { Server, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type SecureContextOptions, type TLSSocket } from 'node:tls';
import type { Logger, MeshMetrics, TlsOutcome } from '../../core/index.js';
import { appContextOptions, contextOptions } from './context.js';
import { peerOf } from './peer.js';
import type { MaterialSource, PemSet, TlsMaterialSource, TlsMode } from './tls-material.js';

interface CommonTlsOptions {
  readonly mode: TlsMode;
  /** A handshake not finished within this time closes the connection. */
  readonly handshakeTimeoutMs: number;
}

/** mTLS from other sidecars, with the workload identity. */
export interface SidecarTlsOptions extends CommonTlsOptions {
  readonly peers?: 'sidecars';
  readonly material: TlsMaterialSource;
}

/** TLS to apps with the listener's own certificate; client certificates required when `ca` is there. */
export interface AppTlsOptions extends CommonTlsOptions {
  readonly peers: 'apps';
  readonly material: MaterialSource<PemSet>;
}

export type IngressTlsOptions = SidecarTlsOptions | AppTlsOptions;

export interface IngressTlsContext {
  readonly listener: string;
  readonly metrics: MeshMetrics;
  readonly log: Logger;
  /** ALPN ids the listener's protocol is known by over TLS (HTTP/2's `h2`); none for the others. */
  readonly alpn?: readonly string[];
  /**
   * How a plaintext connection (permissive mode) is handed over with its first bytes, already
   * read: node:http2 reads a socket through its native handle, so bytes put back with
   * `unshift` never reach it and its preface would be lost. Absent: put back on the socket.
   */
  readonly replay?: (socket: Socket, head: Buffer) => Duplex;
}

/** What differs between the two kinds of peer. */
interface Policy {
  /** `mTLS` or `TLS`, in log lines. */
  readonly name: string;
  readonly accepted: TlsOutcome;
  readonly requestCert: boolean;
  context(): SecureContextOptions;
  /** Calls `apply` with the new context options after each replacement; returns the unsubscribe function. */
  onChange(apply: (options: SecureContextOptions) => void): () => void;
  /** Why a client that finished the handshake may not stay, or undefined. */
  refusal(socket: TLSSocket): string | undefined;
}

/** The first byte of a TLS handshake record (RFC 8446 section 5.1, ContentType handshake). */
const TLS_HANDSHAKE = 0x16;

/** Puts TLS under `server` (no-op when off); returns what the listener calls when it closes. */
export function secureConnections(server: Server, options: IngressTlsOptions | undefined, context: IngressTlsContext): () => void {
  if (!options || options.mode === 'off') return () => {};
  const { listener, metrics, log } = context;
  const policy = policyOf(options);
  const handlers = server.listeners('connection') as Array<(socket: Socket) => void>;
  server.removeAllListeners('connection');
  // Connections still being sniffed or shaken hands with: the listener does not know them yet, so closing it cuts them here.
  const pending = new Set<Socket>();
  const deliver = (socket: Duplex, raw: Socket): void => {
    pending.delete(raw);
    // A replayed connection is a Duplex that stands in for the socket (the servers take any Duplex).
    for (const handler of handlers) handler.call(server, socket as Socket);
  };
  const tls = createTlsServer({
    ...policy.context(),
    // Checked in secureConnection instead of by node:tls, so a refusal is logged with its cause (CERT_HAS_EXPIRED...).
    requestCert: policy.requestCert,
    rejectUnauthorized: false,
    handshakeTimeout: options.handshakeTimeoutMs,
    ...(context.alpn ? { ALPNProtocols: [...context.alpn] } : {}),
  });
  const unsubscribe = policy.onChange((next) => tls.setSecureContext(next));
  tls.on('secureConnection', (socket: TLSSocket) => {
    const refusal = policy.refusal(socket);
    if (refusal) {
      metrics.tlsConnection(listener, 'refused_handshake');
      log.warn({ remote: socket.remoteAddress, reason: refusal }, `${policy.name} refused`);
      socket.destroy();
      return;
    }
    metrics.tlsConnection(listener, policy.accepted);
    if (policy.accepted === 'mtls') metrics.tlsPeerCertificate('ingress', listener, Date.parse(socket.getPeerCertificate().valid_from));
    deliver(socket, rawOf(socket));
  });
  tls.on('tlsClientError', (error: Error, socket: TLSSocket) => {
    metrics.tlsConnection(listener, 'refused_handshake');
    log.warn({ err: error.message, remote: socket.remoteAddress }, `${policy.name} handshake refused`);
    socket.destroy();
  });
  server.on('connection', (socket: Socket) => {
    pending.add(socket);
    socket.once('close', () => pending.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      if (chunk[0] === TLS_HANDSHAKE) {
        socket.unshift(chunk);
        tls.emit('connection', socket);
      } else if (options.mode === 'permissive') {
        metrics.tlsConnection(listener, 'plaintext');
        if (context.replay) {
          deliver(context.replay(socket, chunk), socket);
        } else {
          socket.unshift(chunk);
          deliver(socket, socket);
        }
        socket.resume();
      } else {
        metrics.tlsConnection(listener, 'refused_plaintext');
        log.warn({ remote: socket.remoteAddress }, `plaintext connection refused: this listener takes ${policy.name} only (tls.mode strict)`);
        socket.destroy();
      }
    });
  });
  return () => {
    unsubscribe();
    for (const socket of pending) socket.destroy();
    pending.clear();
  };
}

function policyOf(options: IngressTlsOptions): Policy {
  if (options.peers !== 'apps') {
    const { material } = options;
    return {
      name: 'mTLS',
      accepted: 'mtls',
      requestCert: true,
      context: () => contextOptions(material.current()),
      onChange: (apply) => material.onChange((next) => apply(contextOptions(next))),
      refusal: (socket) => sidecarRefusal(socket, material.current().trustDomain),
    };
  }
  const { material } = options;
  // Whether clients must present a certificate is fixed by the config (caFile or not), not by a file's contents.
  const requireClientCert = material.current().ca !== undefined;
  return {
    name: 'TLS',
    accepted: 'tls',
    requestCert: requireClientCert,
    context: () => appContextOptions(material.current()),
    onChange: (apply) => material.onChange((next) => apply(appContextOptions(next))),
    refusal: (socket) => (requireClientCert && !socket.authorized ? `the client certificate is not trusted: ${causeOf(socket)}` : undefined),
  };
}

/** The TCP socket under a TLS socket made by tls.Server from an emitted connection. */
function rawOf(socket: TLSSocket): Socket {
  return ((socket as unknown as { _parent?: Socket })._parent ?? socket) as Socket;
}

function causeOf(socket: TLSSocket): string {
  const error = socket.authorizationError as unknown;
  return error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error ?? 'no client certificate');
}

/** Why a sidecar that finished the handshake may not stay, or undefined. */
function sidecarRefusal(socket: TLSSocket, trustDomain: string): string | undefined {
  if (!socket.authorized) return `the client certificate is not trusted: ${causeOf(socket)}`;
  const peer = peerOf(socket);
  if (peer?.trustDomain !== trustDomain) return `the client certificate names ${peer?.spiffeId ?? 'no SPIFFE id'}, not one of spiffe://${trustDomain}`;
  return undefined;
}
