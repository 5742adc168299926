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
 *
 * Frames copied for a write come from one arena used again turn after turn
 * (core/joined-writes.ts): once the turn's writes have left, the arena is reset if every
 * socket that took its bytes has handed them all to the kernel (`writableLength` 0: a
 * write Node could not finish at once keeps its buffers until it does).
 */
import type { Socket } from 'node:net';
import { endTurn, noteTurnWrite } from '../../core/joined-writes.js';

const corked: Socket[] = [];
/** Sockets that took arena bytes this turn: checked once the turn's writes have left. */
const tookArena: Socket[] = [];
let scheduled = false;

function uncorkAll(): void {
  scheduled = false;
  const sockets = corked.splice(0);
  for (const socket of sockets) socket.uncork();
  let drained = true;
  // A destroyed socket may still have a write under way in libuv, which reads its buffers until it is cancelled.
  for (const socket of tookArena) if (socket.writableLength > 0 || socket.destroyed) drained = false;
  tookArena.length = 0;
  endTurn(drained);
}

/** Writes `buffers` to `socket` now or, at the latest, once this turn's I/O callbacks have run. */
export function writeThisTurn(socket: Socket, buffers: readonly Buffer[]): void {
  if (socket.destroyed) return;
  if (socket.writableCorked === 0) {
    socket.cork();
    corked.push(socket);
  }
  if (!scheduled) {
    scheduled = true;
    setImmediate(uncorkAll);
  }
  let arena = false;
  for (const buffer of buffers) {
    if (noteTurnWrite(buffer)) arena = true;
    socket.write(buffer);
  }
  if (arena && tookArena[tookArena.length - 1] !== socket) tookArena.push(socket);
}
