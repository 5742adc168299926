/**
 * The tap's admin side: who taps (SSE subscribers with their filters), which calls are
 * captured (sampled, at most tap.maxEventsPerSecond), decoding them off the call path
 * (setImmediate), and sending each to the subscribers whose filters match. A subscriber
 * that reads too slowly loses events, counted, instead of growing the sidecar's memory.
 */
import { serviceKeyString, type Invocation, type TapSink, type TappedCall } from '../../core/index.js';
import { redactor, type Redactor } from './redact.js';
import { RecentErrors, outcomeOf } from './recent-errors.js';
import { traceIdOf } from './trace-id.js';

export interface TapOptions {
  readonly redact: readonly string[];
  readonly maxSubscribers: number;
  readonly maxEventsPerSecond: number;
  readonly samplePercent: number;
  readonly maxBodyBytes: number;
  readonly subscriberBufferBytes: number;
  readonly recentErrors: number;
}

/** A subscriber's filters; empty fields match everything. */
export interface TapFilter {
  /** Substring of `interface[:version[:group]]`, any case. */
  readonly service?: string;
  readonly method?: string;
  readonly protocol?: string;
  /** `ok`, `exception`, `error`, a mesh reason id, or `failed` for anything not ok. */
  readonly status?: string;
}

/**
 * Turns a captured call's bodies into what the page shows (typed JSON, or a note saying why
 * not); bodies over `maxBodyBytes` are not decoded. Given by the composition root, which
 * alone knows the codecs and the value model.
 */
export type TapDecoder = (call: TappedCall, maxBodyBytes: number) => { readonly request: unknown; readonly response: unknown };

/**
 * Where a subscriber's events are written: its SSE response, or in a worker of `workers: N`
 * the IPC channel to the primary, which holds the response (src/workers/tap.ts).
 */
export interface TapStream {
  readonly writableLength: number;
  write(chunk: string): unknown;
  on(event: 'close', listener: () => void): unknown;
}

interface Subscriber {
  readonly filter: TapFilter;
  readonly res: TapStream;
  dropped: number;
}

export class TapHub implements TapSink {
  readonly #subscribers = new Set<Subscriber>();
  readonly #decode: TapDecoder;
  readonly #count: (result: 'sent' | 'dropped') => void;
  #options: TapOptions;
  #redact: Redactor;
  readonly #errors: RecentErrors;
  #queue: TappedCall[] = [];
  #tokens = 0;
  // -Infinity: the first call refills, even within the process's first second (performance.now() starts at 0).
  #refilledAt = Number.NEGATIVE_INFINITY;
  #nextId = 1;

  constructor(options: TapOptions, decode: TapDecoder, count: (result: 'sent' | 'dropped') => void) {
    this.#options = options;
    this.#redact = redactor(options.redact);
    this.#decode = decode;
    this.#count = count;
    this.#errors = new RecentErrors(options.recentErrors);
  }

  setOptions(options: TapOptions): void {
    this.#options = options;
    this.#redact = redactor(options.redact);
    this.#errors.resize(options.recentErrors);
  }

  get active(): boolean {
    return this.#subscribers.size > 0;
  }

  get subscribers(): number {
    return this.#subscribers.size;
  }

  get maxSubscribers(): number {
    return this.#options.maxSubscribers;
  }

  /** Starts streaming to `res` (already answered with the SSE head); false when at maxSubscribers. */
  subscribe(res: TapStream, filter: TapFilter): boolean {
    if (this.#subscribers.size >= this.#options.maxSubscribers) return false;
    const subscriber: Subscriber = { filter, res, dropped: 0 };
    this.#subscribers.add(subscriber);
    res.on('close', () => this.#subscribers.delete(subscriber));
    return true;
  }

  recentErrors(): readonly unknown[] {
    return this.#errors.list();
  }

  wants(invocation: Invocation): boolean {
    let matched = false;
    for (const subscriber of this.#subscribers) if (matchesCall(subscriber.filter, invocation)) matched = true;
    if (!matched) return false;
    if (this.#options.samplePercent < 100 && Math.random() * 100 >= this.#options.samplePercent) return false;
    return this.#takeToken();
  }

  tapped(call: TappedCall): void {
    if (call.error || call.result?.status === 'error') this.#errors.add(call);
    if (this.#queue.push(call) === 1) setImmediate(() => this.#flush());
  }

  failed(call: TappedCall): void {
    this.#errors.add(call);
  }

  #takeToken(): boolean {
    const now = performance.now();
    if (now - this.#refilledAt >= 1_000) {
      this.#tokens = this.#options.maxEventsPerSecond;
      this.#refilledAt = now;
    }
    if (this.#tokens <= 0) return false;
    this.#tokens -= 1;
    return true;
  }

  #flush(): void {
    const calls = this.#queue;
    this.#queue = [];
    for (const call of calls) {
      const event = this.#event(call);
      for (const subscriber of this.#subscribers) {
        if (!matchesCall(subscriber.filter, call.invocation) || !matchesStatus(subscriber.filter, event.status)) continue;
        this.#send(subscriber, event);
      }
    }
  }

  #send(subscriber: Subscriber, event: Record<string, unknown>): void {
    if (subscriber.res.writableLength > this.#options.subscriberBufferBytes) {
      subscriber.dropped += 1;
      this.#count('dropped');
      return;
    }
    subscriber.res.write(`data: ${JSON.stringify({ ...event, droppedBefore: subscriber.dropped })}\n\n`);
    this.#count('sent');
  }

  #event(call: TappedCall): Record<string, unknown> & { status: string } {
    const { invocation, upstream } = call;
    const { request, response } = this.#decode(call, this.#options.maxBodyBytes);
    return {
      id: this.#nextId++,
      at: call.at,
      listener: call.listener,
      route: call.route,
      cluster: call.cluster,
      endpoint: call.endpoint,
      protocol: invocation.protocol,
      upstreamProtocol: upstream?.protocol,
      service: serviceKeyString(invocation.service),
      method: invocation.method,
      status: outcomeOf(call),
      protocolStatus: call.upstreamResult?.protocolStatus ?? call.result?.protocolStatus,
      ms: Math.round(call.ms * 1000) / 1000,
      traceId: traceIdOf(upstream?.attachments) ?? traceIdOf(invocation.attachments),
      error: call.error ? { reason: call.error.reason, message: call.error.message } : undefined,
      attachments: this.#redact(invocation.attachments),
      request: this.#redact(request),
      response: this.#redact(response),
    };
  }
}

function contains(haystack: string, needle: string | undefined): boolean {
  return !needle || haystack.toLowerCase().includes(needle.toLowerCase());
}

function matchesCall(filter: TapFilter, invocation: Invocation): boolean {
  return (
    contains(serviceKeyString(invocation.service), filter.service) &&
    contains(invocation.method, filter.method) &&
    (!filter.protocol || invocation.protocol === filter.protocol)
  );
}

function matchesStatus(filter: TapFilter, status: string): boolean {
  if (!filter.status) return true;
  return filter.status === 'failed' ? status !== 'ok' : status === filter.status;
}
