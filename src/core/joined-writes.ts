/**
 * Whether a forwarded frame of `bytes` is written as one new buffer (its bytes copied,
 * the id and deadline patched in the copy) rather than as a new head beside slices of
 * the frame read. Under this size the copy comes from Node's shared buffer pool (no
 * ArrayBuffer of its own, `Buffer.allocUnsafe` below half of `Buffer.poolSize`), and
 * each slice it replaces cost a Buffer view and a queued write of its own (an object in
 * the socket's corked buffer): more garbage per call than a copy of a few KiB costs CPU.
 * Larger frames are still written from the read's bytes, never copied.
 */
export function isJoinable(bytes: number): boolean {
  return bytes < Buffer.poolSize >>> 1;
}
