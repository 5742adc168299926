/**
 * Writes leave once per event-loop turn: a socket is corked on its first write of a turn
 * and uncorked when the turn's I/O callbacks have all run (setImmediate, the check phase
 * right after poll), so every frame written for it in between leaves in one writev.
 *
 * Uncorking at the end of the tick (process.nextTick) already batched the frames one
 * chunk of input produced; but when the poll phase hands over several sockets' chunks
 * at once (four callers' requests, or the upstream's replies plus new requests), each
 * chunk cost its own writev. On loopback a writev also runs the receiver's TCP path,
 * and it was the largest single item in the pass-through profile (writev 32 % of the
 * sidecar's busy time, `npm run bench -- bolt`, before this change).
 */
import type { Socket } from 'node:net';

const corked: Socket[] = [];
let scheduled = false;

function uncorkAll(): void {
  scheduled = false;
  const sockets = corked.splice(0);
  for (const socket of sockets) socket.uncork();
}

/** Writes `buffers` to `socket` now or, at the latest, once this turn's I/O callbacks have run. */
export function writeThisTurn(socket: Socket, buffers: readonly Buffer[]): void {
  if (socket.destroyed) return;
  if (socket.writableCorked === 0) {
    socket.cork();
    corked.push(socket);
    if (!scheduled) {
      scheduled = true;
      setImmediate(uncorkAll);
    }
  }
  for (const buffer of buffers) socket.write(buffer);
}
