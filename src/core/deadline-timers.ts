/**
 * Many deadlines under one timer. A `setTimeout` per call cost a Timeout object, and
 * since every call's remaining time differs, Node a timer list of its own and a priority
 * queue insert and removal per call. Here deadlines are kept in buckets per millisecond
 * (`Math.ceil`), the buckets' times in a min-heap, and one timer waits for the earliest
 * bucket that still holds something: arming and disarming a call is a Set add and delete.
 * A deadline expires no earlier than it would under setTimeout, and at most about a
 * millisecond later.
 */

/** The longest delay setTimeout takes (a longer one fires after 1 ms, with a warning). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** What to do when a deadline passes. */
export interface Expiring {
  expire(): void;
}

/**
 * A call's timer for a deadline it already keeps (the gRPC relay's, from the caller's
 * `grpc-timeout`, for the whole call): whoever needs the same deadline (the timeout
 * filter) has it run its own expiry too, rather than arming a second timer for the call.
 */
export interface KeptDeadline {
  /** The deadline kept, on the performance.now() clock. */
  readonly deadlineAt: number;
  /** Runs `expiring.expire()` first when the deadline passes (undefined: no longer). */
  watch(expiring: Expiring | undefined): void;
}

export class DeadlineTimers {
  readonly #now: () => number;
  /** Bucket time (ms on the `now` clock) -> what expires then. */
  readonly #buckets = new Map<number, Set<Expiring>>();
  /** Bucket times, a min-heap; a time whose bucket emptied stays until it reaches the top. */
  readonly #times: number[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** The bucket time the timer waits for. */
  #timerAt = Infinity;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Calls `item.expire()` once `deadline` (a time on the `now` clock) has passed, unless disarmed first. */
  arm(deadline: number, item: Expiring): void {
    const at = Math.ceil(deadline);
    let bucket = this.#buckets.get(at);
    if (!bucket) {
      bucket = new Set();
      this.#buckets.set(at, bucket);
      push(this.#times, at);
    }
    bucket.add(item);
    if (at < this.#timerAt) this.#schedule(at);
  }

  /** Forgets `item`, armed with the same `deadline`. */
  disarm(deadline: number, item: Expiring): void {
    const at = Math.ceil(deadline);
    const bucket = this.#buckets.get(at);
    if (!bucket || !bucket.delete(item) || bucket.size > 0) return;
    this.#buckets.delete(at);
    if (this.#buckets.size === 0) {
      // Nothing left: no timer keeps the process awake for buckets that emptied.
      this.#times.length = 0;
      this.#cancelTimer();
    }
  }

  /** Deadlines armed and not yet expired or disarmed (tests). */
  get size(): number {
    let size = 0;
    for (const bucket of this.#buckets.values()) size += bucket.size;
    return size;
  }

  #schedule(at: number): void {
    this.#cancelTimer();
    this.#timerAt = at;
    // A deadline past setTimeout's range is waited for in steps: firing early expires nothing.
    this.#timer = setTimeout(this.#fire, Math.min(MAX_TIMEOUT_MS, Math.max(1, at - this.#now())));
  }

  #cancelTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.#now();
    const times = this.#times;
    while (times.length > 0 && times[0]! <= now) {
      const at = pop(times);
      const bucket = this.#buckets.get(at);
      if (!bucket) continue;
      this.#buckets.delete(at);
      for (const item of bucket) item.expire();
    }
    // The next bucket that still holds something; emptied ones are dropped on the way.
    while (times.length > 0 && !this.#buckets.has(times[0]!)) pop(times);
    if (times.length > 0 && this.#timer === undefined) this.#schedule(times[0]!);
  };
}

function push(heap: number[], value: number): void {
  let i = heap.length;
  heap.push(value);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent]! <= value) break;
    heap[i] = heap[parent]!;
    i = parent;
  }
  heap[i] = value;
}

function pop(heap: number[]): number {
  const top = heap[0]!;
  const last = heap.pop()!;
  if (heap.length === 0) return top;
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= heap.length) break;
    const right = left + 1;
    const child = right < heap.length && heap[right]! < heap[left]! ? right : left;
    if (heap[child]! >= last) break;
    heap[i] = heap[child]!;
    i = child;
  }
  heap[i] = last;
  return top;
}
