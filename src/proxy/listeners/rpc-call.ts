/**
 * One call on an RPC listener, as one object: the context it carries down the filter
 * chain and its cancellation (listener-call.ts), and what answering it needs (the request
 * frame, one-way or not, answered yet). Three objects per call before.
 */
import type { Logger, PeerIdentity } from '../../core/index.js';
import { ListenerCall } from './listener-call.js';

export class RpcCall extends ListenerCall {
  /** The request frame, which the reply answers. */
  readonly frame: unknown;
  readonly oneway: boolean;
  /** Set once the call is answered (by its result, its error or the drain's), so it is answered once. */
  answered = false;

  constructor(listener: string, startedAt: number, log: Logger, peer: PeerIdentity | undefined, frame: unknown, oneway: boolean) {
    super(listener, startedAt, log, peer);
    this.frame = frame;
    this.oneway = oneway;
  }
}
