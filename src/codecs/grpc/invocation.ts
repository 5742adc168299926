/**
 * A gRPC call as an Invocation: `:path` is `/{package.Service}/{Method}`, so the
 * router matches `service` and `method` as for Bolt and Dubbo, and headers as for
 * HTTP. The body is the request stream, messages never decoded. The request head rides
 * along as the frame (the fields as the relay decoded them), so the upstream forwards
 * exactly what came. The head becomes a header object (the frame's `headers`, the
 * Invocation's `attachments`) only when something reads one: a route matching headers,
 * the access log, tracing; a call routed by service and method makes none.
 */
import type { IncomingHttpHeaders } from 'node:http2';
import type { Readable } from 'node:stream';
import { headerObject, type Invocation, type StreamRequestFrame, type StreamResponseFrame } from '../../core/index.js';
import { grpcPathSplit, readGrpcHead } from './request-head.js';

/** What a gRPC Invocation carries as its `frame`: the request head as received. */
export type GrpcRequestFrame = StreamRequestFrame;

/** A request head: its fields (flat: name, value, ..., pseudo-headers included) and, made on first read, the header object. */
export class GrpcRequestHead implements StreamRequestFrame {
  readonly fields: readonly string[];
  #headers: IncomingHttpHeaders | undefined;

  constructor(fields: readonly string[]) {
    this.fields = fields;
  }

  get headers(): IncomingHttpHeaders {
    return (this.#headers ??= headerObject(this.fields));
  }
}

/** What a gRPC Result carries as its `frame`: the response head and, later, its trailers. */
export type GrpcResponseFrame = StreamResponseFrame;

/** `/pkg.Service/Method` -> its parts; undefined for any other path. */
export function parseGrpcPath(path: string | undefined): { service: string; method: string } | undefined {
  const slash = grpcPathSplit(path);
  return slash === -1 ? undefined : { service: path!.slice(1, slash), method: path!.slice(slash + 1) };
}

/** A gRPC Invocation from its head: what the head says is read once per repeated head (request-head.ts). */
export function grpcInvocation(fields: readonly string[], body: Readable, now: number): Invocation {
  const head = readGrpcHead(fields);
  const timeoutMs = head.timeoutMs;
  return new StreamInvocation('grpc', head.service, head.method, timeoutMs === undefined ? undefined : now + timeoutMs, body, new GrpcRequestHead(fields));
}

/** The body of the calls on the last stream seen: every relayed call has the same one (the relay's stand-in, its bytes pass in the relay), so one object serves them all rather than one per call. */
let lastStream: Readable | undefined;
let lastBody: Invocation['body'] | undefined;

function bodyOf(stream: Readable): Invocation['body'] {
  if (stream !== lastStream || lastBody === undefined) {
    lastStream = stream;
    lastBody = Object.freeze({ kind: 'stream', stream });
  }
  return lastBody;
}

/**
 * An Invocation of a protocol on gRPC's wire. A class, not an object literal: a literal
 * with a getter is made on a slow path (it cost more than the header object it spares).
 * `attachments` is a getter of the class: a spread of this Invocation does not copy it,
 * so one must name it (every spread in src/ does: withTrace, the reverse bridge), and
 * toJSON writes it out (the tap).
 */
class StreamInvocation implements Invocation {
  readonly protocol: string;
  readonly service: Invocation['service'];
  readonly method: string;
  readonly deadline: number | undefined;
  readonly oneway = false;
  readonly body: Invocation['body'];
  readonly frame: GrpcRequestHead;

  constructor(protocol: string, service: Invocation['service'], method: string, deadline: number | undefined, body: Readable, frame: GrpcRequestHead) {
    this.protocol = protocol;
    this.service = service;
    this.method = method;
    this.deadline = deadline;
    this.body = bodyOf(body);
    this.frame = frame;
  }

  /** The head as a header object, made on first read (headerObject makes every value a string: the object is the attachments as it is). */
  get attachments(): Readonly<Record<string, string>> {
    return this.frame.headers as Record<string, string>;
  }

  toJSON(): Invocation {
    return { ...this, attachments: this.attachments };
  }
}

/**
 * An Invocation of a protocol on gRPC's wire: service and method split from `path` in
 * place, `timeoutMs` (if any) the deadline, `key` the service key's version and group
 * for a protocol that has them (Triple). Its attachments are the head as a header object,
 * made on first read.
 */
export function streamInvocation(
  protocol: string,
  fields: readonly string[],
  path: string | undefined,
  timeoutMs: number | undefined,
  body: Readable,
  now: number,
  key?: { readonly version: string | undefined; readonly group: string | undefined },
): Invocation {
  const slash = grpcPathSplit(path);
  const name = slash === -1 ? '' : path!.slice(1, slash);
  const service = key === undefined ? { interface: name } : { interface: name, version: key.version, group: key.group };
  const method = slash === -1 ? '' : path!.slice(slash + 1);
  return new StreamInvocation(protocol, service, method, timeoutMs === undefined ? undefined : now + timeoutMs, body, new GrpcRequestHead(fields));
}
