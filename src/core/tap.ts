/**
 * The data plane's side of the dashboard's tap (admin /ui): the proxy reports calls here,
 * the admin server decides which it wants and decodes them off the call path. The proxy
 * never decodes a body for the tap and knows nothing of who watches.
 */
import type { MeshError } from './errors.js';
import type { Invocation, Result } from './invocation.js';

/** One call as the tap saw it: what arrived, and what was sent upstream and came back. */
export interface TappedCall {
  readonly listener: string;
  readonly route?: string;
  readonly cluster?: string;
  readonly endpoint?: string;
  /** The call as it arrived on the listener. */
  readonly invocation: Invocation;
  /** The call as sent to the endpoint (after any bridge), when it got that far. */
  readonly upstream?: Invocation;
  /** The endpoint's answer before any bridge turned it back, when there was one. */
  readonly upstreamResult?: Result;
  /** The answer the caller got, or the mesh error it got instead. */
  readonly result?: Result;
  readonly error?: MeshError;
  readonly ms: number;
  /** Date.now() when the call arrived. */
  readonly at: number;
}

export interface TapSink {
  /** True while someone taps: when false, the tap costs the call path one property read. */
  readonly active: boolean;
  /** Whether to capture this call (subscribers' filters, sampling, the rate bound). */
  wants(invocation: Invocation): boolean;
  /** A captured call finished. Called on the call path: must only queue. */
  tapped(call: TappedCall): void;
  /** Any call that failed, tapped or not (the dashboard's recent errors). Must only queue. */
  failed(call: TappedCall): void;
}

export const NOOP_TAP: TapSink = {
  active: false,
  wants: () => false,
  tapped() {},
  failed() {},
};
