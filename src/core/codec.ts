/**
 * The frame codec of a protocol on the `framed` transport (protocol.ts): Bolt and
 * Dubbo, after Envoy's generic_proxy codec and MOSN's xprotocol. Three parts:
 *
 * - framing: a per-connection decoder turning chunks into whole frames, and an
 *   encoder returning buffers for `writev`;
 * - mapping: frame to Invocation / Result, and Result / MeshError to frame;
 * - housekeeping: sniffing, request ids, heartbeats, deadlines.
 *
 * One object serves both roles; the plug-in hands it to the listener as its server
 * codec and to the upstream as its client codec (protocol.ts: FrameServerCodec,
 * FrameClientCodec), each of which uses only its half.
 */
import type { MeshError } from './errors.js';
import type { Invocation, Result } from './invocation.js';
import type { Limits } from './limits.js';

/** What a decoded frame is, so the connection layer can route it without knowing the protocol. */
export type FrameKind = 'request' | 'oneway' | 'response' | 'heartbeat' | 'heartbeat-reply' | 'control';

/**
 * A request id: a number when it is a safe integer (always for Bolt's int32, and for every
 * id a pool gives, which stay below 2^31), else a bigint (Dubbo's int64: Java Dubbo 3
 * starts its counter at a random long). Numbers, so the pass-through path makes no BigInt
 * per call; bigints where needed, so every id the wire carries stays exact.
 */
export type RequestId = number | bigint;

/** Answer of `match`: the first bytes are ours, not ours, or too few to tell. */
export type MatchResult = 'yes' | 'no' | 'need-more';

export interface FrameDecoder<F> {
  /**
   * Feeds one chunk; returns every frame completed by it, in order (zero or more).
   * "Need more bytes" is the normal empty return. Throws a MeshError (reason
   * PMESH_CODEC_ERROR or PMESH_FRAME_TOO_LARGE) on bad input, after which the
   * connection must be closed: the decoder's state is undefined.
   * Declared lengths are checked against the limits before anything is buffered.
   */
  push(chunk: Buffer): F[];
  /** Bytes held waiting for the rest of a frame (0 between frames). */
  readonly buffered: number;
}

/**
 * `B` is the codec's bridge half (src/bridge/bridge-codec.ts, BridgeCodec<F>): a type
 * parameter because core knows nothing of Java values; `never` for codecs without one.
 */
export interface ProtocolCodec<F, B = never> {
  /** Registry name, also the `protocol:` value in config. */
  readonly name: string;

  /** Sniffs the first bytes of a connection. */
  match(head: Buffer): MatchResult;
  newDecoder(limits: Limits): FrameDecoder<F>;
  /** Serializes a frame. Frames that kept their original bytes return them untouched. */
  encode(frame: F): Buffer[];

  kind(frame: F): FrameKind;
  /** Request id as carried on the wire (Bolt int32, Dubbo int64): see RequestId. */
  requestId(frame: F): RequestId;
  /** A copy of the frame carrying another id; the rest of its bytes unchanged. */
  withRequestId(frame: F, id: RequestId): F;
  /**
   * The bytes of a frame forwarded under another id and, for a request, with its
   * deadline set to `remainingMs`: what `encode(withTimeout(withRequestId(frame, id),
   * remainingMs))` writes, without building the frames in between, and leaving `frame`
   * as it is. The pass-through path's one rewrite per hop; optional, the proxy falls
   * back to those three calls.
   */
  encodeForward?(frame: F, id: RequestId, remainingMs?: number): Buffer[];
  /**
   * The bytes of the reply frame `reply` under `request`'s id, copied as it is on the wire
   * (what `encode(withRequestId(reply, requestId(request)))` writes, for any id the wire
   * can carry), leaving both frames as they are: the listener's answer to its caller.
   * Optional, the listener falls back to those calls.
   */
  encodeReply?(reply: F, request: F): Buffer[];

  /** A heartbeat request with this id, to probe an idle connection. */
  heartbeat(id: number): F;
  /** The reply to a heartbeat request. */
  heartbeatReply(request: F): F;
  /**
   * A frame telling the peer this connection takes no new calls (Dubbo's READONLY
   * event), sent to callers while the sidecar drains. Absent where the protocol has
   * none its Java clients understand. Received from an upstream, such a frame is a
   * `control` frame: the pool stops giving that connection new calls.
   */
  goAway?(id: number): F;

  /**
   * Routing view of a request frame. Must not decode the arguments. `receivedAt` is when
   * the call began (the listener's `startedAt`): a deadline the frame carries counts from it.
   */
  toInvocation(frame: F, receivedAt?: number): Invocation;
  /**
   * The request frame with its deadline field set to `remainingMs`, so the next hop
   * knows the budget left. Protocols with no such field return the frame unchanged.
   */
  withTimeout(frame: F, remainingMs: number): F;
  /** Result view of a response frame. */
  toResult(frame: F): Result;
  /**
   * A response frame answering `request` with a mesh-made error: the status the
   * protocol's own clients expect and a message naming the service and the cause.
   */
  localReply(request: F, error: MeshError): F;
  /**
   * Tells `visit` every Java class name a request body would make its receiver load:
   * object types, typed collections, a generic call's map "class" entry, declared
   * argument types. For the ingress class scan: reads types, builds no values where the
   * protocol allows. Throws a MeshError on a body it cannot read.
   */
  forEachClassName?(request: F, visit: (name: string) => void): void;
  /** Typed calls from and to Java values (Dubbo, SOFARPC over Bolt); the plug-in declares it as its `bridge.typed`. */
  readonly bridge?: B;
}
