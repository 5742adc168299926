/**
 * mTLS under a listener, whatever its protocol: the server's `connection` handlers are
 * moved behind a step that looks at the first byte of each new connection. A TLS record
 * (0x16, a ClientHello) goes through a node:tls server that requires a client certificate
 * chained to the trust bundle and naming a SPIFFE id of our trust domain; the decrypted
 * socket is then handed to the listener's own handlers as if it had just connected.
 * Anything else is plaintext: served in `permissive` mode, closed in `strict` mode. Each
 * outcome is counted per listener (pmesh_tls_connections_total).
 *
 * A new certificate (renewal, rotated files) becomes the context of new handshakes
 * (tls.Server#setSecureContext); connections already open keep theirs and are not dropped.
 */
import type { Server, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Logger, MeshMetrics } from '../../core/index.js';
import { contextOptions } from './context.js';
import { peerOf } from './peer.js';
import type { TlsMaterialSource, TlsMode } from './tls-material.js';

export interface IngressTlsOptions {
  readonly mode: TlsMode;
  readonly material: TlsMaterialSource;
  /** A handshake not finished within this time closes the connection. */
  readonly handshakeTimeoutMs: number;
}

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

/** The first byte of a TLS handshake record (RFC 8446 section 5.1, ContentType handshake). */
const TLS_HANDSHAKE = 0x16;

/** Puts mTLS under `server` (no-op when off); returns what the listener calls when it closes. */
export function secureConnections(server: Server, options: IngressTlsOptions | undefined, context: IngressTlsContext): () => void {
  if (!options || options.mode === 'off') return () => {};
  const { listener, metrics, log } = context;
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
    ...contextOptions(options.material.current()),
    // Checked in secureConnection instead of by node:tls, so a refusal is logged with its cause (CERT_HAS_EXPIRED...).
    requestCert: true,
    rejectUnauthorized: false,
    handshakeTimeout: options.handshakeTimeoutMs,
    ...(context.alpn ? { ALPNProtocols: [...context.alpn] } : {}),
  });
  const unsubscribe = options.material.onChange((material) => tls.setSecureContext(contextOptions(material)));
  tls.on('secureConnection', (socket: TLSSocket) => {
    const refusal = refusalOf(socket, options.material.current().trustDomain);
    if (refusal) {
      metrics.tlsConnection(listener, 'refused_handshake');
      log.warn({ remote: socket.remoteAddress, reason: refusal }, 'mTLS refused');
      socket.destroy();
      return;
    }
    metrics.tlsConnection(listener, 'mtls');
    metrics.tlsPeerCertificate('ingress', listener, Date.parse(socket.getPeerCertificate().valid_from));
    deliver(socket, rawOf(socket));
  });
  tls.on('tlsClientError', (error: Error, socket: TLSSocket) => {
    metrics.tlsConnection(listener, 'refused_handshake');
    log.warn({ err: error.message, remote: socket.remoteAddress }, 'mTLS handshake refused');
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
        log.warn({ remote: socket.remoteAddress }, 'plaintext connection refused: this listener takes mTLS only (tls.mode strict)');
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

/** The TCP socket under a TLS socket made by tls.Server from an emitted connection. */
function rawOf(socket: TLSSocket): Socket {
  return ((socket as unknown as { _parent?: Socket })._parent ?? socket) as Socket;
}

/** Why a client that finished the handshake may not stay, or undefined. */
function refusalOf(socket: TLSSocket, trustDomain: string): string | undefined {
  if (!socket.authorized) {
    const error = socket.authorizationError as unknown;
    const cause = error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error ?? 'no client certificate');
    return `the client certificate is not trusted: ${cause}`;
  }
  const peer = peerOf(socket);
  if (peer?.trustDomain !== trustDomain) return `the client certificate names ${peer?.spiffeId ?? 'no SPIFFE id'}, not one of spiffe://${trustDomain}`;
  return undefined;
}
