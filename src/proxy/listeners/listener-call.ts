/**
 * One call on a listener, as the filter chain sees it: its context and its cancellation in
 * one object (it is its own `cancel`), every field declared here so the object is made
 * once, whole. A context as an object literal that the stack then filled in (route,
 * cluster, policy, deadline, endpoint) changed shape four times per call, and a separate
 * Cancel was one more object.
 */
import { Cancel, type Invocation, type KeptDeadline, type Logger, type MeshError, type PeerIdentity, type Result, type ServerSpan } from '../../core/index.js';
import type { CallContext, RoutePolicy } from '../filter.js';

export class ListenerCall extends Cancel implements CallContext {
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

  constructor(listener: string, startedAt: number, log: Logger, peer: PeerIdentity | undefined) {
    super();
    this.listener = listener;
    this.startedAt = startedAt;
    this.log = log;
    this.peer = peer;
  }
}
