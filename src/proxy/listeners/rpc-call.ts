/**
 * One call on an RPC listener, as one object: the context it carries down the filter
 * chain, its cancellation (it is its own `cancel`), and what answering it needs (the
 * request frame, one-way or not, answered yet). Three objects per call before, and a
 * context that grew a property backing store as the stack filled in its route, cluster,
 * deadline and endpoint; every field is declared here, so it is made once, whole.
 */
import type { Socket } from 'node:net';
import { Cancel, type KeptDeadline, type Logger, type MeshError, type PeerIdentity, type ServerSpan, type Invocation, type Result } from '../../core/index.js';
import { peerOf } from '../transport/index.js';
import type { AttemptBook, CallAnswer, CallContext, CallEnd, RoutePolicy } from '../filter.js';

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
  ends: CallEnd | CallEnd[] | undefined = undefined;
  attemptBook: AttemptBook | undefined = undefined;
  attemptStartedAt: number | undefined = undefined;
  /** The listener, told the outcome by the stack (filter.ts, CallAnswer). */
  readonly answerTo: CallAnswer;
  /** The connection the call came on, which its answer goes back to. */
  readonly socket: Socket;
  /** The request frame, which the reply answers. */
  readonly frame: unknown;
  readonly oneway: boolean;
  /** Set once the call is answered (by its result, its error or the drain's), so it is answered once. */
  answered = false;

  constructor(listener: string, startedAt: number, log: Logger, answerTo: CallAnswer, socket: Socket, frame: unknown, oneway: boolean) {
    super();
    this.answerTo = answerTo;
    this.socket = socket;
    this.listener = listener;
    this.startedAt = startedAt;
    this.log = log;
    this.peer = peerOf(socket);
    this.frame = frame;
    this.oneway = oneway;
  }
}
