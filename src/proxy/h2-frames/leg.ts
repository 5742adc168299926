/**
 * One side of a relayed stream: its connection and stream id there, what this side may
 * still send (its send window), what waits for window (in order: DATA and header
 * blocks), and the receive credit owed back to the peer that sent what is passed on.
 *
 * Flow control is end to end: bytes received on one leg are credited back to their
 * sender (WINDOW_UPDATE) only when the other leg has written them. A reader that stops
 * reading stops its window, then this leg's queue fills to at most the other side's
 * stream window (64 KiB: no credit goes back), then the sender stops. Memory per stream
 * is bounded by one stream window, whatever the length of the stream.
 */
import type { H2Connection } from './connection.js';
import { DEFAULT_WINDOW_BYTES } from './frames.js';

/** A stream WINDOW_UPDATE is sent once this much was passed on (a quarter of the 64 KiB window). */
const STREAM_CREDIT_STEP = DEFAULT_WINDOW_BYTES >>> 2;

interface QueuedData {
  data: Buffer;
  end: boolean;
  /** Window bytes to give back to the other leg's sender once `data` is written (padding included). */
  credit: number;
}

interface QueuedHeaders {
  headers: readonly string[];
  end: boolean;
}

type Queued = QueuedData | QueuedHeaders;

/** What owns a leg: told when the leg has sent its END_STREAM, and where blocked legs wait for window. */
export interface LegOwner<Call> {
  onLegEnded(leg: Leg<Call>): void;
  readonly blocked: Set<Leg<Call>>;
}

/**
 * Where a leg's incoming bytes go and who is given back the window they took: the other
 * leg of a relayed stream, or the mesh itself for a call it makes (upstream/h2-bridged-call.ts).
 */
export interface LegPeer {
  sendData(data: Buffer, end: boolean, credit: number): void;
  /** `bytes` it sent were written on: its sender may send that much more (stream and connection). */
  credit(bytes: number): void;
  /** Like `credit`, for the connection only (the stream is over). */
  creditConnection(bytes: number): void;
}

/** `Call`: what the two legs of a stream belong to (relay-call.ts). */
export class Leg<Call> implements LegPeer {
  readonly conn: H2Connection;
  readonly owner: LegOwner<Call>;
  id: number;
  sendWindow: number;
  /** The other side: where this leg's incoming bytes go, and whose incoming bytes this leg sends. */
  other!: LegPeer;
  /** The call this leg belongs to. */
  call!: Call;
  /** The peer ended its side (END_STREAM received). */
  remoteEnded = false;
  /** This side sent END_STREAM (or the leg was reset). */
  localEnded = false;
  reset = false;
  /** What the peer may still send on this stream (the default window this side advertised, less what came, plus credit sent). */
  recvWindow = DEFAULT_WINDOW_BYTES;
  /** Made when something first waits (most legs never wait: no array for them). */
  #queue: Queued[] | undefined;
  #credit = 0;

  constructor(conn: H2Connection, owner: LegOwner<Call>, id: number) {
    this.conn = conn;
    this.owner = owner;
    this.id = id;
    this.sendWindow = conn.peer.initialWindow;
  }

  get queued(): boolean {
    return this.#queue !== undefined && this.#queue.length > 0;
  }

  /** Sends DATA to this leg's peer, or queues it behind what waits for window. */
  sendData(data: Buffer, end: boolean, credit: number): void {
    if (this.localEnded) {
      this.other.credit(credit);
      return;
    }
    const conn = this.conn;
    if (!this.queued && data.length <= this.sendWindow && data.length <= conn.sendWindow && data.length <= conn.peer.maxFrameBytes) {
      this.sendWindow -= data.length;
      conn.sendWindow -= data.length;
      conn.sendData(this.id, data, end);
      this.other.credit(credit);
      if (end) this.#ended();
      return;
    }
    (this.#queue ??= []).push({ data, end, credit });
    this.pump();
  }

  /** Sends a header block, after any DATA still queued. */
  sendHeaders(headers: readonly string[], end: boolean): void {
    if (this.localEnded) return;
    if (!this.queued) {
      this.conn.sendHeaders(this.id, headers, end);
      if (end) this.#ended();
      return;
    }
    this.#queue!.push({ headers, end });
  }

  /** Writes what the windows allow; a leg still holding bytes waits in its owner's blocked set. */
  pump(): void {
    const conn = this.conn;
    const queue = this.#queue;
    while (queue !== undefined && queue.length > 0 && !this.localEnded) {
      const item = queue[0]!;
      if ('headers' in item) {
        queue.shift();
        conn.sendHeaders(this.id, item.headers, item.end);
        if (item.end) this.#ended();
        continue;
      }
      const room = Math.min(this.sendWindow, conn.sendWindow, conn.peer.maxFrameBytes);
      if (item.data.length <= room) {
        queue.shift();
        this.sendWindow -= item.data.length;
        conn.sendWindow -= item.data.length;
        conn.sendData(this.id, item.data, item.end);
        this.other.credit(item.credit);
        if (item.end) this.#ended();
        continue;
      }
      if (room <= 0) {
        this.owner.blocked.add(this);
        return;
      }
      // Part of it: the credit follows the bytes written (padding stays with the rest).
      conn.sendData(this.id, item.data.subarray(0, room), false);
      item.data = item.data.subarray(room);
      this.sendWindow -= room;
      conn.sendWindow -= room;
      item.credit -= room;
      this.other.credit(room);
    }
    this.owner.blocked.delete(this);
  }

  /** `bytes` this leg received were passed on: the sender gets them back, connection and stream. */
  credit(bytes: number): void {
    if (bytes === 0) return;
    this.conn.creditConnection(bytes);
    if (this.remoteEnded || this.reset) return;
    this.#credit += bytes;
    if (this.#credit < STREAM_CREDIT_STEP) return;
    this.conn.sendWindowUpdate(this.id, this.#credit);
    this.recvWindow += this.#credit;
    this.#credit = 0;
  }

  creditConnection(bytes: number): void {
    this.conn.creditConnection(bytes);
  }

  /** Drops what waits (its bytes are credited back: the connection window must not leak) and sends RST_STREAM. */
  resetWith(code: number): void {
    this.dropQueue();
    if (this.localEnded && this.remoteEnded) return;
    this.localEnded = true;
    this.reset = true;
    this.conn.sendReset(this.id, code);
  }

  dropQueue(): void {
    const queue = this.#queue;
    if (queue === undefined) return;
    for (const item of queue) if ('data' in item) this.other.creditConnection(item.credit);
    this.#queue = undefined;
    this.owner.blocked.delete(this);
  }

  #ended(): void {
    this.localEnded = true;
    this.owner.onLegEnded(this);
  }
}
