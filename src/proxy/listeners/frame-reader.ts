/**
 * Reads one connection's bytes into frames under three bounds, so a caller cannot hold
 * the sidecar's memory or a connection by sending slowly:
 *
 * - the codec's own checks (magic, declared lengths against the limits);
 * - a whole-frame deadline, from a frame's first byte to its last: it does not restart
 *   on every chunk, so one byte every few seconds does not keep a frame open;
 * - the sidecar-wide budget of bytes held in partial frames.
 *
 * The first bound broken is reported once; the listener closes the connection.
 */
import { MeshError, type DeadlineTimers, type Expiring } from '../../core/index.js';
import type { FrameDecoder } from '../../core/codec.js';
import type { PartialFrameBudget } from './partial-frames.js';

export interface FrameReaderOptions {
  readonly decoder: FrameDecoder<unknown>;
  readonly frameDeadlineMs: number;
  /** Where the whole-frame deadline waits: the listener's one timer, not a setTimeout per partial chunk. */
  readonly timers: DeadlineTimers;
  readonly budget: PartialFrameBudget;
  /** Frames completed by a chunk, in order. */
  readonly onFrames: (frames: unknown[]) => void;
  /** A bound was broken; the reader has stopped and the connection must close. */
  readonly onRefused: (error: MeshError) => void;
}

export class FrameReader implements Expiring {
  readonly #options: FrameReaderOptions;
  /** When the frame under way must be whole (performance.now() clock), while one is. */
  #deadline: number | undefined;
  /** What this connection holds in the budget. */
  #held = 0;
  #stopped = false;

  constructor(options: FrameReaderOptions) {
    this.#options = options;
  }

  push(chunk: Buffer): void {
    if (this.#stopped) return;
    const { decoder, budget, frameDeadlineMs } = this.#options;
    let frames: unknown[];
    try {
      frames = decoder.push(chunk);
    } catch (error) {
      return this.#refuse(MeshError.from(error, 'PMESH_CODEC_ERROR'));
    }
    const held = decoder.buffered;
    if (!budget.resize(this.#held, held)) {
      return this.#refuse(
        new MeshError('PMESH_OVERLOADED', `${held} bytes of unfinished frames on this connection would pass the sidecar's limit of ${budget.max} (maxPartialFrameBytes)`, {
          details: { limit: 'max_partial_frame_bytes' },
        }),
      );
    }
    this.#held = held;
    // A completed frame ends its deadline; bytes left over are the next frame's first.
    if (frames.length > 0 || held === 0) this.#clearDeadline();
    if (held > 0 && this.#deadline === undefined) {
      this.#deadline = performance.now() + frameDeadlineMs;
      this.#options.timers.arm(this.#deadline, this);
    }
    if (frames.length > 0) this.#options.onFrames(frames);
  }

  /** The connection closed: gives its bytes back to the budget. */
  release(): void {
    this.#stopped = true;
    this.#clearDeadline();
    this.#options.budget.resize(this.#held, 0);
    this.#held = 0;
  }

  /** The frame under way was not whole in time (called by the timers). */
  expire(): void {
    this.#deadline = undefined;
    const { frameDeadlineMs } = this.#options;
    this.#refuse(
      new MeshError('PMESH_FRAME_STALLED', `frame not whole within ${frameDeadlineMs} ms of its first byte (${this.#held} bytes in)`, {
        details: { limit: 'frame_read_timeout_ms' },
      }),
    );
  }

  #refuse(error: MeshError): void {
    this.release();
    this.#options.onRefused(error);
  }

  #clearDeadline(): void {
    if (this.#deadline !== undefined) this.#options.timers.disarm(this.#deadline, this);
    this.#deadline = undefined;
  }
}
