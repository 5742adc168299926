/**
 * What the upstream pool (upstream-pool.ts) needs of a call to open its stream, send it
 * again when refused, and hand it the reply. Two kinds of call take streams there: a
 * relayed call (relay-call.ts), whose other leg is the caller's stream, and a call the
 * mesh makes itself (upstream/h2-bridged-call.ts: the bridge's JSON call to Triple),
 * whose request is one whole body and whose reply is read in the process.
 */
import type { MeshError } from '../../core/index.js';
import type { Leg } from './leg.js';
import type { PendingStream, SentData } from './relay-call.js';

export type UpstreamCallLeg = Leg<UpstreamCall>;

export interface UpstreamCall {
  /** The request has no body: the stream's HEADERS carry END_STREAM. */
  readonly endsWithHead: boolean;
  /** The reply head came (a refused stream is then never sent again). */
  readonly responded: boolean;
  /** The call is over (a call that waits for a slot and ended meanwhile is dropped). */
  readonly ended: boolean;
  readonly failure: MeshError | undefined;
  /** Whoever dispatched the call keeps its own state here (the call's context). */
  owner: unknown;
  /** Set while the call waits for a stream slot. */
  pending: PendingStream | undefined;
  /** The stream is open (its HEADERS sent): the call sends its request DATA on `up`. */
  attach(up: UpstreamCallLeg): void;
  /** The stream was refused unprocessed: the call waits for another; `sent` is the DATA it had sent. */
  detach(sent: readonly SentData[]): void;
  /** A header block from the upstream: the head, trailers, or a trailers-only head. */
  upstreamHeaders(headers: readonly string[], end: boolean): void;
  /** Reply DATA is about to be passed on; false when the call was failed for it. */
  checkData(payload: Buffer, fromCaller: boolean): boolean;
  /** The stream or its connection was lost. */
  upstreamLost(error: MeshError): void;
}
