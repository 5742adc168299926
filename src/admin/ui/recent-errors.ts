/** The dashboard's recent errors: the last N failed calls, newest first, without their bodies. */
import { serviceKeyString, type TappedCall } from '../../core/index.js';

export interface ErrorEntry {
  readonly at: number;
  readonly listener: string;
  readonly route?: string;
  readonly cluster?: string;
  readonly endpoint?: string;
  readonly protocol: string;
  readonly service: string;
  readonly method: string;
  readonly status: string;
  readonly message?: string;
  readonly ms: number;
}

/** `ok`, `exception`, `error` (a protocol error status), or the mesh error's reason id. */
export function outcomeOf(call: TappedCall): string {
  return call.error ? call.error.reason : (call.result?.status ?? 'error');
}

export class RecentErrors {
  #max: number;
  #entries: ErrorEntry[] = [];

  constructor(max: number) {
    this.#max = max;
  }

  resize(max: number): void {
    this.#max = max;
    this.#entries.length = Math.min(this.#entries.length, max);
  }

  add(call: TappedCall): void {
    if (this.#max === 0) return;
    this.#entries.unshift({
      at: call.at,
      listener: call.listener,
      route: call.route,
      cluster: call.cluster,
      endpoint: call.endpoint,
      protocol: call.invocation.protocol,
      service: serviceKeyString(call.invocation.service),
      method: call.invocation.method,
      status: outcomeOf(call),
      message: call.error?.message ?? call.result?.message,
      ms: Math.round(call.ms * 1000) / 1000,
    });
    if (this.#entries.length > this.#max) this.#entries.length = this.#max;
  }

  list(): readonly ErrorEntry[] {
    return this.#entries;
  }
}
