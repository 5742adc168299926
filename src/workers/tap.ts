/**
 * The /ui dashboard's tap with `workers: N`: the calls are captured and decoded in the workers
 * (each worker's TapHub, with its sampling and per-second bound), the SSE streams are held by
 * the primary's admin server. A stream opened on the primary is subscribed, filter and all, in
 * every worker (and in a worker that starts later); each worker's events come back over the
 * IPC channel and are written to the stream, merged in arrival order. A stream that reads too
 * slowly loses events at the primary, counted, as with one process.
 */
import type { ServerResponse } from 'node:http';
import type { TapView } from '../admin/ui/routes.js';
import type { TapFilter, TapHub, TapStream } from '../admin/ui/tap-hub.js';
import type { Channel } from './channel.js';

/** A stream opened on the primary, as a worker is told of it. */
export interface TapSubscription {
  readonly id: number;
  readonly filter: TapFilter;
}

interface TapEvent {
  readonly id: number;
  readonly chunk: string;
}

/** What the primary's tap needs of the rest of the primary. */
export interface WorkersTapParts {
  /** tell every worker */
  tell(op: string, args: unknown): void;
  /** ask every worker; those that do not answer are left out */
  ask<T>(op: string): Promise<T[]>;
  options(): { readonly maxSubscribers: number; readonly subscriberBufferBytes: number; readonly recentErrors: number };
  count(result: 'sent' | 'dropped'): void;
}

/** The primary's tap: the streams it holds, fed by every worker. */
export class WorkersTap implements TapView {
  readonly #parts: WorkersTapParts;
  readonly #streams = new Map<number, { readonly res: ServerResponse; readonly filter: TapFilter }>();
  #nextId = 1;

  constructor(parts: WorkersTapParts) {
    this.#parts = parts;
  }

  get subscribers(): number {
    return this.#streams.size;
  }

  get maxSubscribers(): number {
    return this.#parts.options().maxSubscribers;
  }

  subscribe(res: ServerResponse, filter: TapFilter): boolean {
    if (this.#streams.size >= this.maxSubscribers) return false;
    const id = this.#nextId++;
    this.#streams.set(id, { res, filter });
    this.#parts.tell('tap.subscribe', { id, filter } satisfies TapSubscription);
    res.on('close', () => {
      this.#streams.delete(id);
      this.#parts.tell('tap.unsubscribe', { id });
    });
    return true;
  }

  /** The streams open now, asked by a worker that starts. */
  subscriptions(): TapSubscription[] {
    return [...this.#streams].map(([id, { filter }]) => ({ id, filter }));
  }

  /** An event a worker captured for stream `id`. */
  event({ id, chunk }: TapEvent): void {
    const stream = this.#streams.get(id);
    if (!stream) return;
    if (stream.res.writableLength > this.#parts.options().subscriberBufferBytes) {
      this.#parts.count('dropped');
      return;
    }
    stream.res.write(chunk);
  }

  /** Every worker's recent errors, newest first, as many as one process keeps. */
  async recentErrors(): Promise<readonly unknown[]> {
    const lists = await this.#parts.ask<ReadonlyArray<{ readonly at: number }>>('tap.errors');
    return lists
      .flat()
      .sort((a, b) => b.at - a.at)
      .slice(0, this.#parts.options().recentErrors);
  }
}

/**
 * A worker's side: the primary's streams as subscribers of this worker's TapHub, their events
 * sent back. The streams open now are asked for once the handlers are in place, so one opened
 * while this worker was starting is not missed (the channel keeps the order of messages: a
 * stream closed before the answer is not in it).
 */
export function relayTap(channel: Channel, hub: TapHub): void {
  const closers = new Map<number, () => void>();
  const subscribe = ({ id, filter }: TapSubscription): void => {
    if (closers.has(id)) return;
    const stream: TapStream = {
      // The primary holds the real stream and bounds what it has unread.
      writableLength: 0,
      write: (chunk) => channel.emit('tap.event', { id, chunk } satisfies TapEvent),
      on: (_event, listener) => closers.set(id, listener),
    };
    hub.subscribe(stream, filter);
  };
  channel.on<TapSubscription>('tap.subscribe', subscribe);
  channel.on<{ id: number }>('tap.unsubscribe', ({ id }) => {
    closers.get(id)?.();
    closers.delete(id);
  });
  channel.handle('tap.errors', () => hub.recentErrors());
  channel.call<TapSubscription[]>('tap.open', {}).then(
    (open) => open.forEach(subscribe),
    () => {}, // the primary is gone: the worker stops anyway
  );
}

/** The primary's side of one worker's channel: its events go to the streams. */
export function serveTap(channel: Channel, tap: WorkersTap): void {
  channel.on<TapEvent>('tap.event', (event) => tap.event(event));
  channel.handle('tap.open', () => tap.subscriptions());
}
