/**
 * One call on an RPC listener, as one object: the context it carries down the filter
 * chain, its cancellation (it is its own `cancel`), and what answering it needs (the
 * request frame, one-way or not, answered yet). Three objects per call before, and a
 * context that grew a property backing store as the stack filled in its route, cluster,
 * deadline and endpoint; every field is declared here, so it is made once, whole.
 */
import { Cancel, type KeptDeadline, type Logger, type MeshError, type PeerIdentity, type ServerSpan, type Invocation, type Result } from '../../core/index.js';
import type { CallContext, RoutePolicy } from '../filter.js';

export class RpcCall extends Cancel implements CallContext {
  readonly listener: string;
  readonly startedAt: number;
  readonly log: Logger;
  readonly cancel: Cancel = this;
  readonly peer: PeerIdentity | undefined;
  route: string | undefined = undefined;
  cluster: string | undefined = undefined;
  policy: RoutePolicy | undefined = undefined;
  tried: ReadonlySet<string> | undefined = undefined;
  endpoint: string | undefined = undefined;
  deadline: number | undefined = undefined;
  deadlineKept: KeptDeadline | undefined = undefined;
  error: MeshError | undefined = undefined;
  tap: { upstream?: Invocation; upstreamResult?: Result } | undefined = undefined;
  span: ServerSpan | undefined = undefined;
  /** The request frame, which the reply answers. */
  readonly frame: unknown;
  readonly oneway: boolean;
  /** Set once the call is answered (by its result, its error or the drain's), so it is answered once. */
  answered = false;

  constructor(listener: string, startedAt: number, log: Logger, peer: PeerIdentity | undefined, frame: unknown, oneway: boolean) {
    super();
    this.listener = listener;
    this.startedAt = startedAt;
    this.log = log;
    this.peer = peer;
    this.frame = frame;
    this.oneway = oneway;
  }
}
