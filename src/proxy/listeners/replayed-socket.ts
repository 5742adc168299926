/**
 * A TCP connection handed from the `auto` listener to node:http or node:http2 after its
 * first bytes were read to sniff the protocol. Those servers read a net.Socket through
 * its native handle, so bytes put back with `unshift` would never reach them (seen on
 * Node 20); they take any Duplex too, so this one replays the sniffed bytes first and
 * then relays the socket both ways, with the socket methods they call passed through.
 * Backpressure holds: a full readable buffer pauses the socket.
 */
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { RelayedConnection } from '../transport/index.js';

export class ReplayedSocket extends Duplex implements RelayedConnection {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly remoteFamily: string | undefined;
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;
  /** The connection relayed (a TLSSocket under TLS): who is calling is read from it (peerOf). */
  readonly underlying: Socket;
  /** As a TLSSocket says: whether the caller came over TLS (the app API beyond loopback serves TLS only). */
  readonly encrypted: boolean;

  constructor(socket: Socket, head: Buffer) {
    super({ allowHalfOpen: false });
    this.underlying = socket;
    this.encrypted = (socket as { encrypted?: boolean }).encrypted === true;
    this.remoteAddress = socket.remoteAddress;
    this.remotePort = socket.remotePort;
    this.remoteFamily = socket.remoteFamily;
    this.localAddress = socket.localAddress;
    this.localPort = socket.localPort;
    this.push(head);
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause();
    });
    socket.once('end', () => this.push(null));
    socket.once('error', (error) => this.destroy(error));
    socket.once('close', () => this.destroy());
    socket.on('timeout', () => this.emit('timeout'));
  }

  override _read(): void {
    this.underlying.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.underlying.write(chunk, encoding, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.underlying.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.underlying.destroy();
    callback(error);
  }

  setNoDelay(noDelay?: boolean): this {
    this.underlying.setNoDelay(noDelay);
    return this;
  }

  setKeepAlive(enable?: boolean, initialDelay?: number): this {
    this.underlying.setKeepAlive(enable, initialDelay);
    return this;
  }

  setTimeout(ms: number, callback?: () => void): this {
    this.underlying.setTimeout(ms);
    if (callback) this.once('timeout', callback);
    return this;
  }

  destroySoon(): void {
    this.end(() => this.destroy());
  }

  ref(): this {
    this.underlying.ref();
    return this;
  }

  unref(): this {
    this.underlying.unref();
    return this;
  }
}
