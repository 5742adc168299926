/**
 * Reads of a plaintext connection into one buffer that every such connection shares
 * (`net.connect`'s `onread`), instead of the Buffer Node makes for each read: Node mallocs
 * 64 KiB for every read, shrinks it to the bytes read, wraps it in an ArrayBuffer and frees
 * it when the garbage collector sweeps it, and pushes it through the socket's Readable to
 * its `data` listeners. Here each read's bytes are copied out into a Buffer of their own size
 * (a slice of Node's pool when small), which the reader may keep: the shared buffer is read
 * into again by the next read of any connection.
 */
import type { OnReadOpts } from 'node:net';

const shared = Buffer.allocUnsafe(64 * 1024);

const nobody = (): void => {};

/** The `onread` option of one connection, and where its reads go once its reader exists. */
export class CopiedReads implements OnReadOpts {
  readonly buffer = shared;
  /** The connection's reader: told each read's bytes, in a Buffer of their own. */
  onData: (chunk: Buffer) => void = nobody;

  readonly callback = (bytesRead: number, buffer: Uint8Array): boolean => {
    const chunk = Buffer.allocUnsafe(bytesRead);
    chunk.set(buffer.subarray(0, bytesRead));
    this.onData(chunk);
    // Never pause here: the reader pauses the socket itself (socket.pause() stops reading with onread too).
    return true;
  };
}
