/**
 * The protocol plug-in: everything the proxy knows about one wire protocol, split by
 * role after Envoy generic_proxy's server and client codecs and MOSN's xprotocol.
 *
 *   server side   what a listener needs: decode requests, encode replies, answer a mesh
 *                 error in the protocol's own form (local reply), answer heartbeats,
 *                 tell callers the port is draining;
 *   client side   what an upstream needs: encode requests, decode replies, how calls
 *                 share connections (pool mode), how an idle endpoint is probed;
 *   bridge        what the HTTP/JSON bridge may do with the protocol's calls;
 *   match         whether the first bytes of a connection are this protocol's (the
 *                 `auto` listener asks every plug-in in turn).
 *
 * Each side names its transport, and the proxy builds listeners and upstreams by
 * transport, never by protocol name:
 *
 *   `framed`      a TCP socket carrying the protocol's own frames (Bolt, Dubbo): the
 *                 proxy reads and writes through the plug-in's frame codec (codec.ts);
 *   `node:http`   node:http's parser on the server, the sidecar's own client upstream (HTTP/1):
 *                 the plug-in maps requests and replies (Node reads callers' bytes, proxy/upstream/http1*.ts the upstream's);
 *   `node:http2`  node:http2 streams carrying length-prefixed messages with a status in
 *                 the trailers (gRPC, and protocols that share its wire such as Triple):
 *                 the plug-in names the headers, statuses and deadline format.
 *
 * Adding a protocol is one folder under src/codecs/ exporting one ProtocolPlugin, and
 * one `registerProtocol` line in src/codecs/index.ts. The proxy never compares a
 * protocol's name: what differs between protocols is declared here.
 */
import type { IncomingMessage } from 'node:http';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import type { Readable, Transform } from 'node:stream';
import type { MatchResult, ProtocolCodec } from './codec.js';
import type { Code, MeshError } from './errors.js';
import type { Invocation } from './invocation.js';
import type { JsonCallCodec } from './json-call.js';
import type { ProtocolTelemetry } from './telemetry.js';

/** How bytes travel: the protocol's own frames on a socket, or Node's HTTP/1 or HTTP/2 stack. */
export type Transport = 'framed' | 'node:http' | 'node:http2';

/**
 * How calls share upstream connections. `multiplexed`: a few connections carry every
 * call, each under a request id the pool rewrites (Bolt, Dubbo). `pooled`: one call at
 * a time per connection, connections kept alive (HTTP/1). `streams`: one stream per
 * call on shared HTTP/2 sessions (gRPC).
 */
export type PoolMode = 'multiplexed' | 'pooled' | 'streams';

/** How an active health check asks an endpoint whether it is alive. */
export type ProbeKind = 'heartbeat' | 'http-get';

/**
 * `F` is the plug-in's frame type (opaque to the proxy); `B` its typed-call codec
 * (src/bridge/bridge-codec.ts, BridgeCodec<F>), a type parameter because core knows
 * nothing of Java values; `never` for protocols without one.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface ProtocolPlugin<F = any, B = never> {
  /** Registry name, also the `protocol:` value in config. Unique. */
  readonly name: string;
  /** How people write the protocol's name in messages ("gRPC", "HTTP/1"). */
  readonly label: string;
  /**
   * Sniffs the first bytes of a connection: 'yes' only when no other plug-in could
   * claim them, 'need-more' while too few have arrived to tell. Must not throw.
   */
  match(head: Buffer): MatchResult;
  readonly server: ServerSide<F>;
  readonly client: ClientSide<F>;
  readonly bridge: BridgeAbilities<B>;
  /** The name apps use for this protocol in the publish API (`appProtocol: http`), if any. */
  readonly appProtocol?: string;
  /** The scheme registries list this protocol's providers under (Dubbo writes Triple's as `tri://`); the name when absent. */
  readonly registryScheme?: string;
  /** Where the protocol carries trace keys and which status its replies carry (tracing, access log); generic when absent. */
  readonly telemetry?: ProtocolTelemetry;
  /**
   * Apps that register through SOFARPC's mesh registry API (`sofaMeshApi`) send their
   * calls in this protocol (Bolt): the API names an egress listener of it as their way out.
   */
  readonly sofaMeshEgress?: boolean;
}

// ---------------------------------------------------------------- server side

/**
 * A `node:http2` server side needs a `node:http2` client side in the same plug-in: the
 * listener reaches the mesh's built-in services on its port (pmesh.v1) through it.
 */
export type ServerSide<F> =
  | { readonly transport: 'framed'; readonly codec: FrameServerCodec<F> }
  | { readonly transport: 'node:http'; readonly http: HttpServerCodec }
  | { readonly transport: 'node:http2'; readonly streams: StreamServerCodec };

/**
 * The listener's view of a frame codec: decode requests, encode replies, local replies
 * for mesh errors, heartbeat answers and the drain notice (`goAway`).
 */
export type FrameServerCodec<F> = Pick<
  ProtocolCodec<F, unknown>,
  'name' | 'newDecoder' | 'encode' | 'encodeForward' | 'encodeReply' | 'kind' | 'requestId' | 'withRequestId' | 'toInvocation' | 'localReply' | 'heartbeatReply' | 'goAway' | 'forEachClassName'
>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFrameServerCodec = FrameServerCodec<any>;

/** An HTTP/1 reply the listener writes for a mesh error. */
export interface HttpLocalReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | number>>;
  readonly body: string;
}

/** A request head the listener read from the caller's bytes (proxy/listeners/http1-request-head.ts). */
export interface HttpRequestHead {
  readonly method: string;
  readonly target: string;
  /** Name, value, name, value...: names in the caller's case. */
  readonly rawHeaders: readonly string[];
}

/**
 * The server side of HTTP/1: the listener parses (its own byte reader, or node:http for the
 * requests it hands over), the mapping is the plug-in's.
 */
export interface HttpServerCodec {
  /** The routing view of a request whose head node:http parsed; the body stays a stream. Throws a MeshError for a request it refuses. */
  toInvocation(req: IncomingMessage, startedAt: number): Invocation;
  /** The same view of a head the listener read from the bytes, with the body it framed. Throws a MeshError for a request it refuses. */
  headToInvocation(head: HttpRequestHead, body: Invocation['body'], remoteAddress: string | undefined, startedAt: number): Invocation;
  /** The reply to a call that failed with a mesh error. */
  localReply(error: MeshError): HttpLocalReply;
}

/** Where a stream of length-prefixed messages stands: the limit checked at each prefix, and whether a cut now splits a message. */
export interface MessageBoundaryCheck {
  /** Reads the prefixes in `chunk`; a MeshError (PMESH_BODY_TOO_LARGE) when a message is over the limit. */
  check(chunk: Buffer): MeshError | undefined;
  /** True when every message begun has been passed whole. */
  readonly atBoundary: boolean;
}

/** What a call on the node:http2 transport carries as its Invocation's `frame`: the request head as received. */
export interface StreamRequestFrame {
  readonly headers: IncomingHttpHeaders;
  /**
   * The same head as a flat list (name, value, ..., pseudo-headers included), on a call
   * the frame relay received: what a passed-through call's upstream forwards. Whatever
   * rewrites the head (tracing's context) rewrites both.
   */
  readonly fields?: readonly string[];
}

/** What a Result on the node:http2 transport carries as its `frame`: the reply head and, later, its trailers. */
export interface StreamResponseFrame {
  readonly headers: IncomingHttpHeaders;
  /** The head ended the stream (a trailers-only reply: the status is in `headers`). */
  readonly trailersOnly: boolean;
  /** The upstream's trailers, or a status that says how the stream was lost. */
  readonly trailers: Promise<OutgoingHttpHeaders>;
}

/**
 * The server side on node:http2 streams (gRPC's wire: length-prefixed messages, the
 * status in the trailers). Messages are never decoded; the plug-in names the headers.
 */
export interface StreamServerCodec {
  /** Why this request head (flat: name, value, ..., pseudo-headers included) is not a call of the protocol (to be answered at once), or undefined. */
  refusal(fields: readonly string[]): string | undefined;
  /**
   * The routing view of a stream: service, method, headers, deadline; `fields` is its head
   * as received (flat, as above: kept, never modified), `body` the request messages.
   */
  toInvocation(fields: readonly string[], body: Readable, startedAt: number): Invocation;
  /** A pass-through stream failing with PMESH_BODY_TOO_LARGE when a message is over `maxBytes`. */
  messageLimit(maxBytes: number, direction: 'request' | 'response', onTooLarge: () => void): Transform;
  /** The same check, driven chunk by chunk by the code writing the reply. */
  messageBoundaries(maxBytes: number, direction: 'request' | 'response'): MessageBoundaryCheck;
  /** Headers of an upstream's reply head or trailers that may be passed on to the caller. */
  forwardable(headers: IncomingHttpHeaders): OutgoingHttpHeaders;
  /** The trailers carrying a mesh error as the protocol's status. */
  errorTrailers(error: MeshError): OutgoingHttpHeaders;
  /** The status a set of trailers carries (INTERNAL when they carry none). */
  statusOf(trailers: OutgoingHttpHeaders): number;
  /** The RST_STREAM code a client reads as `status`, for a reply cut in the middle of a message. */
  resetCodeOf(status: number): number;
  /** content-type of a trailers-only reply the mesh writes itself. */
  readonly contentType: string;
}

// ---------------------------------------------------------------- client side

export type ClientSide<F> =
  | { readonly transport: 'framed'; readonly pool: 'multiplexed'; readonly codec: FrameClientCodec<F>; readonly probe?: ProbeKind }
  | { readonly transport: 'node:http'; readonly pool: 'pooled'; readonly http: HttpClientCodec; readonly probe?: ProbeKind }
  | { readonly transport: 'node:http2'; readonly pool: 'streams'; readonly streams: StreamClientCodec; readonly probe?: ProbeKind };

/**
 * The upstream's view of a frame codec: encode requests (with the pool's id and the
 * budget left), decode replies, heartbeat probes (and answers, when the server asks
 * first), and the peer's drain notice (a `control` frame).
 */
export type FrameClientCodec<F> = Pick<
  ProtocolCodec<F, unknown>,
  'name' | 'newDecoder' | 'encode' | 'encodeForward' | 'kind' | 'requestId' | 'withRequestId' | 'withTimeout' | 'toResult' | 'heartbeat' | 'heartbeatReply'
>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFrameClientCodec = FrameClientCodec<any>;

/** The HTTP/1 client side: headers out, status in. */
export interface HttpClientCodec {
  /** The header list sent upstream for a call's attachments (hop-by-hop fields left out). */
  requestHeaders(attachments: Readonly<Record<string, string>>): string[];
  /** The reply headers as received (a flat name/value list) to the list the caller gets. */
  replyHeaders(raw: readonly string[]): string[];
  /** The mesh code an HTTP status stands for (for retries and outlier detection), if any. */
  codeOfStatus(status: number): Code | undefined;
}

/** The client side on node:http2 streams. */
export interface StreamClientCodec {
  /** Request headers to pass on from the caller's (pseudo-headers and the deadline header left out: the upstream writes those). */
  requestHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders;
  /**
   * The same choice on a flat header list (name, value, ...) as the frame relay received
   * it, appended to `out`: no header object is built, and repeated fields stay repeated.
   */
  forwardRequest(received: readonly string[], out: string[]): void;
  /** The deadline header for the budget left, as [name, value]. */
  deadlineHeader(remainingMs: number): readonly [string, string];
  /** True when a reply head is the whole reply (it already carries the status). */
  isTrailersOnly(head: IncomingHttpHeaders): boolean;
  /** The head's headers as the string map a Result carries. */
  attachmentsOf(head: IncomingHttpHeaders): Readonly<Record<string, string>>;
  /** Trailers to pass on to the caller. */
  forwardable(trailers: IncomingHttpHeaders): OutgoingHttpHeaders;
  /** The trailers carrying a mesh error (a stream lost before its status) as the protocol's status. */
  errorTrailers(error: MeshError): OutgoingHttpHeaders;
}

// ---------------------------------------------------------------- bridge abilities

/**
 * What the HTTP/JSON bridge (src/proxy/bridge*.ts) may do with the protocol, declared
 * rather than inferred from its name. Every field is optional: a plug-in that declares
 * none passes its calls through to clusters of its own protocol only.
 */
export interface BridgeAbilities<B> {
  /**
   * Calls this protocol brings in may carry JSON arguments for a cluster of another
   * protocol (HTTP/JSON, the gRPC Invoke API).
   */
  readonly jsonEntry?: {
    /** The `:method` a bridged call must use (HTTP/1: POST); absent: not checked. */
    readonly method?: string;
    /** false: a call whose body is a stream of the protocol's own messages (gRPC pass-through) is never bridged. */
    readonly streamedArguments: boolean;
  };
  /**
   * Typed arguments: request frames built from Java values and replies read back into
   * them, both directions (the bridge's target, and the reverse bridge's caller).
   */
  readonly typed?: B;
  /** With no parameter types known, the call goes out as the provider's generic call (Dubbo `$invoke`). */
  readonly genericCall?: boolean;
  /** A caller's own generic invoke (`$invoke`) may go through as the provider's, where config allows it. */
  readonly callerGenericInvoke?: boolean;
  /**
   * Attachments the mesh writes into this protocol's calls (names, and name prefixes,
   * lower case), which a bridged caller may not set. The bridge refuses the names every
   * registered plug-in reserves, whatever the target: a caller learns of a reserved
   * name at once, not when its call first goes to another protocol.
   */
  readonly reservedAttachments?: { readonly names: readonly string[]; readonly prefixes: readonly string[] };
  /**
   * The reverse bridge's target: an app behind a cluster of this protocol answers a
   * typed caller's call as `POST /{service}/{method}` with the arguments as JSON.
   */
  readonly jsonApp?: boolean;
  /** Calls name a service and carry their frame, so a listener may route them by the registry. */
  readonly registryRoutable?: boolean;
  /**
   * The protocol's servers take unary calls with JSON arguments and convert them to the
   * method's parameter types themselves (Triple): the bridge sends the caller's JSON as it
   * came, in this form, instead of typed values.
   */
  readonly jsonCall?: JsonCallCodec;
}

// ---------------------------------------------------------------- framed plug-ins

export interface FramedProtocolOptions {
  readonly label: string;
  /** The bridge's abilities beyond typed calls (which come from the codec's `bridge`). */
  readonly bridge?: Omit<BridgeAbilities<never>, 'typed'>;
  readonly telemetry?: ProtocolTelemetry;
}

/**
 * The plug-in of a protocol on the `framed` transport: one frame codec serves as both
 * server and client codec, calls are multiplexed, idle endpoints are probed with the
 * protocol's heartbeat, calls are routable by the registry, and typed calls are the
 * codec's `bridge` when it has one.
 */
export function framedProtocol<F, B>(codec: ProtocolCodec<F, B>, options: FramedProtocolOptions): ProtocolPlugin<F, B> {
  return {
    name: codec.name,
    label: options.label,
    match: (head) => codec.match(head),
    server: { transport: 'framed', codec },
    client: { transport: 'framed', pool: 'multiplexed', codec, probe: 'heartbeat' },
    bridge: { registryRoutable: true, ...options.bridge, ...(codec.bridge ? { typed: codec.bridge } : {}) },
    ...(options.telemetry ? { telemetry: options.telemetry } : {}),
  };
}
