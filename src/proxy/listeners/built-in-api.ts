/**
 * The gRPC entry of the bridge: `pmesh.v1.Invoker/Invoke` (proto/pmesh/v1/invoke.proto)
 * on @grpc/grpc-js. Each call becomes the same Invocation an HTTP/JSON call makes, so
 * routing, filters and the bridge are shared; the gRPC deadline is the call's deadline
 * and a MeshError is answered with its code (our codes are gRPC's).
 *
 * grpc-js turns Node's HTTP/2 memory guard off and sets no stream limit unless told
 * (docs/reliability.md): both are set here, with gRPC's 4 MiB message limit.
 */
import { join } from 'node:path';
import {
  Server,
  ServerCredentials,
  status as GrpcStatus,
  type ServerUnaryCall,
  type ServiceDefinition,
  type UntypedServiceImplementation,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { loadPackageDefinition, type GrpcObject, type ServiceClientConstructor } from '@grpc/grpc-js';
import { Cancel, MeshError, PACKAGE_ROOT, type Invocation, type Logger, type MeshMetrics, type Result } from '../../core/index.js';
import type { CallContext, Handler } from '../filter.js';
import { InFlight } from './in-flight.js';
import type { Listener } from './listener.js';

export const INVOKE_PROTO = join(PACKAGE_ROOT, 'proto/pmesh/v1/invoke.proto');

interface InvokeRequest {
  service: string;
  method: string;
  version: string;
  group: string;
  argumentsJson: string;
  paramTypes: string[];
  attachments: Record<string, string>;
}

interface InvokeResponse {
  resultJson?: string;
  exception?: { className: string; message: string };
}

/** Another gRPC service served on the same port (the registry API). */
export interface GrpcServiceBinding {
  readonly definition: ServiceDefinition;
  readonly handlers: UntypedServiceImplementation;
}

export interface GrpcInvokeListenerOptions {
  readonly name: string;
  /** The protocol plug-in's name, carried by the calls this API brings in. */
  readonly protocol: string;
  readonly address: string;
  readonly handler: Handler;
  readonly metrics: MeshMetrics;
  readonly log: Logger;
  readonly grpcServices?: readonly GrpcServiceBinding[];
}

const MAX_MESSAGE = 4 * 1024 * 1024;
/** How long the answers a drain's end writes may take to leave before the sessions are cut. */
const ANSWER_LINGER_MS = 1_000;

function invokerService(): ServiceClientConstructor['service'] {
  const definition = loadSync(INVOKE_PROTO, { keepCase: false, longs: String, defaults: true });
  const pmesh = (loadPackageDefinition(definition).pmesh as GrpcObject).v1 as GrpcObject;
  return (pmesh.Invoker as ServiceClientConstructor).service;
}

export class BuiltInApiServer implements Listener {
  readonly name: string;
  readonly protocol: string;
  readonly address: string;
  readonly #options: GrpcInvokeListenerOptions;
  readonly #server: Server;
  readonly #inFlight = new InFlight();
  /** Calls not yet answered: a drain that ends answers them UNAVAILABLE rather than cutting them. */
  readonly #pending = new Map<Cancel, (error: MeshError) => void>();
  #handler: Handler;

  constructor(options: GrpcInvokeListenerOptions) {
    this.name = options.name;
    this.protocol = options.protocol;
    this.address = options.address;
    this.#options = options;
    this.#handler = options.handler;
    this.#server = new Server({
      'grpc.max_concurrent_streams': 100,
      'grpc-node.max_session_memory': 10,
      'grpc.max_receive_message_length': MAX_MESSAGE,
      'grpc.max_send_message_length': MAX_MESSAGE,
    });
    this.#server.addService(invokerService(), { Invoke: (call: ServerUnaryCall<InvokeRequest, InvokeResponse>, callback: sendUnaryData<InvokeResponse>) => this.#invoke(call, callback) });
    for (const service of options.grpcServices ?? []) this.#server.addService(service.definition, service.handlers);
  }

  get inFlight(): number {
    return this.#inFlight.count;
  }

  setHandler(handler: Handler): void {
    this.#handler = handler;
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.bindAsync(this.address, ServerCredentials.createInsecure(), (error) => {
        if (error) return reject(new Error(`listener ${this.name} cannot bind ${this.address}: ${error.message}`));
            resolve();
      });
    });
  }

  async close(drainMs: number): Promise<void> {
    // tryShutdown refuses new calls and waits for those in flight; the drain bounds the wait.
    const shutDown = new Promise<void>((resolve) => this.#server.tryShutdown(() => resolve()));
    await Promise.race([shutDown, this.#inFlight.drained(drainMs)]);
    const overrun = new MeshError('PMESH_DRAINING', `the sidecar is shutting down and the call did not finish within its drain of ${drainMs} ms`);
    for (const [cancel, answer] of this.#pending) {
      answer(overrun);
      cancel.abort(overrun);
    }
    // The answers' trailers go out before the sessions are cut (bounded).
    await Promise.race([shutDown, new Promise<void>((resolve) => setTimeout(resolve, ANSWER_LINGER_MS).unref())]);
    this.#server.forceShutdown();
  }

  #invoke(call: ServerUnaryCall<InvokeRequest, InvokeResponse>, callback: sendUnaryData<InvokeResponse>): void {
    const startedAt = performance.now();
    const request = call.request;
    const ctx: CallContext = { listener: this.name, startedAt, log: this.#options.log, cancel: new Cancel() };
    call.once('cancelled', () => ctx.cancel.abort(new MeshError('PMESH_DOWNSTREAM_CLOSED', 'the caller cancelled the call')));
    this.#inFlight.begin();
    // Answers once: with the call's outcome, or the drain's when that comes first.
    const answer = (outcome: Result | MeshError): void => {
      if (!this.#pending.delete(ctx.cancel)) return;
      this.#inFlight.end();
      if (outcome instanceof MeshError) callback({ code: outcome.code as number as GrpcStatus, details: `${outcome.reason}: ${outcome.message}` });
      else callback(null, toResponse(outcome));
    };
    this.#pending.set(ctx.cancel, answer);
    this.#handler(toInvocation(this.protocol, request, call.getDeadline(), startedAt), ctx).then(answer, (error: unknown) => answer(MeshError.from(error)));
  }
}

function toInvocation(protocol: string, request: InvokeRequest, deadline: Date | number, now: number): Invocation {
  const attachments: Record<string, string> = {};
  for (const [key, value] of Object.entries(request.attachments ?? {})) attachments[`x-pmesh-attachment-${key}`] = value;
  if (request.paramTypes.length > 0) attachments['x-pmesh-param-types'] = JSON.stringify(request.paramTypes);
  const until = deadline instanceof Date ? deadline.getTime() : deadline;
  return {
    protocol,
    service: { interface: request.service, version: request.version || undefined, group: request.group || undefined },
    method: request.method,
    attachments,
    deadline: Number.isFinite(until) ? now + (until - Date.now()) : undefined,
    oneway: false,
    body: { kind: 'raw', serialization: 0, bytes: Buffer.from(request.argumentsJson || '[]', 'utf8') },
  };
}

function toResponse(result: Result): InvokeResponse {
  const text = result.body.kind === 'raw' ? result.body.bytes.toString('utf8') : 'null';
  if (result.status === 'exception') {
    const thrown = JSON.parse(text) as { exception: string; message: string };
    return { exception: { className: thrown.exception, message: thrown.message } };
  }
  return { resultJson: text };
}
