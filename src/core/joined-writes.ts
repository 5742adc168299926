/**
 * Whether a forwarded frame of `bytes` is written as one new buffer (its bytes copied,
 * the id and deadline patched in the copy, from `turnBuffer`) rather than as a new head
 * beside slices of the frame read. Each slice it replaces cost a Buffer view and a queued write of its own
 * (an object in the socket's corked buffer): more garbage per call than a copy of a few
 * KiB costs CPU. Larger frames are still written from the read's bytes, never copied.
 */
export function isJoinable(bytes: number): boolean {
  return bytes < Buffer.poolSize >>> 1;
}

/**
 * Memory for bytes written this turn (a forwarded frame's copy or its new head), carved
 * from one arena that is used again, instead of Node's buffer pool, when
 * `heap.reuseWriteBuffers` is on (off by default: fewer full GCs for more peak RSS).
 *
 * Why: V8 counts the bytes of every ArrayBuffer allocated since its last mark-compact
 * against the old generation's room, and starts a mark-compact once that room is down to
 * the young generation's size: under load, a pool slab of 8 KiB per few calls started one
 * every 1,500 to 5,000 calls (docs/performance.md, "What starts the mark-compacts").
 *
 * Safety: the arena is used again only when nothing can still read what was carved from
 * it: every byte carved since it was last reset was handed to `writeThisTurn`
 * (proxy/transport/turn-writes.ts, which reports them with `noteTurnWrite`), and every
 * socket they were written to had handed all its bytes to the kernel when the turn's
 * writes left (`endTurn(true)`). Otherwise the arena is never reset again: what is left of
 * it is carved on, and a new one is taken once it is full, so a slow socket costs what the
 * pool cost, and no byte is ever handed out twice while a write may still read it.
 */
const MIN_ARENA_BYTES = 64 * 1024;
const MAX_ARENA_BYTES = 1024 * 1024;

let arena: Buffer | undefined;
/** Bytes of `arena` carved since it was last reset, and of them the bytes handed to a turn's writes. */
let carved = 0;
let handed = 0;
/** False once a turn ended with bytes of this arena possibly still read: it is never reset again. */
let reusable = true;

/** Off (Node's pool) until `pmesh start` reads `heap.reuseWriteBuffers`. */
let enabled = false;

/** Turns the arena on or off for the process (`heap.reuseWriteBuffers`); what was carved stays as it is. */
export function reuseTurnBuffers(on: boolean): void {
  enabled = on;
}

export function turnBuffer(bytes: number): Buffer {
  if (!enabled) return Buffer.allocUnsafe(bytes);
  if (arena === undefined || arena.length - carved < bytes) {
    if (bytes > MAX_ARENA_BYTES >>> 4) return Buffer.allocUnsafe(bytes);
    // Filled by one turn's writes: twice as large up to the cap, so one arena holds a turn; after a slow write, the least.
    const size = arena !== undefined && reusable ? Math.min(MAX_ARENA_BYTES, arena.length * 2) : MIN_ARENA_BYTES;
    arena = Buffer.allocUnsafeSlow(size);
    carved = 0;
    handed = 0;
    reusable = true;
  }
  const out = arena.subarray(carved, carved + bytes);
  carved += bytes;
  return out;
}

/** `buffer` was handed to a socket's write this turn: counted when it lies in the current arena. */
export function noteTurnWrite(buffer: Buffer): boolean {
  if (arena === undefined || buffer.buffer !== arena.buffer) return false;
  handed += buffer.length;
  return true;
}

/**
 * The turn's writes have left. `drained`: every socket that took arena bytes has none
 * queued. Resets the arena when nothing can still read it.
 */
export function endTurn(drained: boolean): void {
  if (reusable && drained && handed === carved) {
    carved = 0;
    handed = 0;
  } else {
    reusable = false;
  }
}
