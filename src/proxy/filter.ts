/**
 * Filters are onions over Invocation and Result (undici's compose, connect's
 * interceptors, linkerd's layers): a filter takes the next handler and returns a
 * handler. Each filter is one file under filters/ and imports no protocol.
 */
import type { Cancel, Invocation, Logger, MeshError, Result } from '../core/index.js';

/** What a call carries beside its Invocation, filled in as it moves down the stack. */
export interface CallContext {
  readonly listener: string;
  /** `performance.now()` when the call arrived. */
  readonly startedAt: number;
  readonly log: Logger;
  /** Cancelled when the downstream goes away or a deadline fires; the reason is a MeshError. */
  readonly cancel: Cancel;
  /** Set by the router. */
  route?: string;
  cluster?: string;
  /** Set by the cluster step: the endpoint the call went to. */
  endpoint?: string;
  /** Absolute deadline on the performance.now() clock, set by the timeout filter. */
  deadline?: number;
  /** Set when the call failed with a mesh error, for logs and metrics. */
  error?: MeshError;
}

export type Handler = (invocation: Invocation, ctx: CallContext) => Promise<Result>;
export type Filter = (next: Handler) => Handler;

/** compose([a, b], end) = a(b(end)): the first filter is the outermost. */
export function compose(filters: readonly Filter[], terminal: Handler): Handler {
  return filters.reduceRight<Handler>((next, filter) => filter(next), terminal);
}
