/**
 * The registry API over gRPC (proto/pmesh/v1/registry.proto), the twin of the HTTP/JSON
 * app API: the same `AppRegistry` behind both. Returned as a service definition and its
 * handlers, for the sidecar's gRPC listener to serve.
 */
import { join } from 'node:path';
import type { GrpcObject, ServiceClientConstructor, UntypedServiceImplementation, status as GrpcStatus } from '@grpc/grpc-js';
import type { ServerUnaryCall, ServerWritableStream, sendUnaryData } from '@grpc/grpc-js';
import { MeshError, PACKAGE_ROOT, lazyRequire } from '../core/index.js';
import { appPublicationSchema, callerToken, type AppRegistry } from './app-api.js';
import type { RegistryUpdate, ServiceQuery } from './registry.js';

export const REGISTRY_PROTO = join(PACKAGE_ROOT, 'proto/pmesh/v1/registry.proto');

interface QueryMessage {
  service: string;
  version: string;
  group: string;
  protocol: string;
  token: string;
}

interface EndpointsMessage {
  service: string;
  endpoints: Array<{ address: string; weight: number; metadata: Record<string, string> }>;
  origin: string;
}

export interface GrpcServiceBinding {
  readonly definition: ServiceClientConstructor['service'];
  readonly handlers: UntypedServiceImplementation;
}

/** Loaded by the first call to a built-in gRPC service (proxy/listeners/http2.ts), which reads `definition`. */
const grpc = lazyRequire<typeof import('@grpc/grpc-js')>('@grpc/grpc-js');
const protoLoader = lazyRequire<typeof import('@grpc/proto-loader')>('@grpc/proto-loader');

function definition(): ServiceClientConstructor['service'] {
  const loaded = protoLoader().loadSync(REGISTRY_PROTO, { keepCase: false, longs: String, defaults: true });
  const v1 = (grpc().loadPackageDefinition(loaded).pmesh as GrpcObject).v1 as GrpcObject;
  return (v1.Registry as ServiceClientConstructor).service;
}

function query(message: QueryMessage): ServiceQuery {
  return {
    service: message.service,
    version: message.version || undefined,
    group: message.group || undefined,
    protocol: message.protocol || undefined,
  };
}

function view(service: string, update: RegistryUpdate | undefined): EndpointsMessage {
  return {
    service,
    endpoints: (update?.endpoints ?? []).map((e) => ({ address: e.address, weight: e.weight, metadata: { ...e.metadata } })),
    origin: update?.origin ?? 'none',
  };
}

function fail(callback: sendUnaryData<unknown>, error: unknown): void {
  const mesh = MeshError.from(error);
  callback({ code: mesh.code as number as GrpcStatus, details: `${mesh.reason}: ${mesh.message}` });
}

export function registryGrpcService(apps: AppRegistry): GrpcServiceBinding {
  const handlers: UntypedServiceImplementation = {
    Publish: (call: ServerUnaryCall<Record<string, unknown>, unknown>, callback: sendUnaryData<unknown>) => {
      const request = call.request;
      const parsed = appPublicationSchema.safeParse({
        service: request.service,
        protocol: request.protocol,
        port: request.port,
        version: request.version || undefined,
        group: request.group || undefined,
        application: request.application || undefined,
        methods: Array.isArray(request.methods) && request.methods.length > 0 ? request.methods : undefined,
        metadata: request.metadata && Object.keys(request.metadata).length > 0 ? request.metadata : undefined,
      });
      if (!parsed.success) {
        const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
        fail(callback, new MeshError('PMESH_BAD_REQUEST', `invalid publication: ${problems}`));
        return;
      }
      apps.publish(parsed.data, callerToken(request.token)).then(({ address, token }) => callback(null, { address, token }), (error: unknown) => fail(callback, error));
    },
    Unpublish: (call: ServerUnaryCall<QueryMessage, unknown>, callback: sendUnaryData<unknown>) => {
      apps.unpublish(query(call.request), callerToken(call.request.token)).then((unpublished) => callback(null, { unpublished }), (error: unknown) => fail(callback, error));
    },
    List: (call: ServerUnaryCall<QueryMessage, unknown>, callback: sendUnaryData<unknown>) => {
      apps.lookup(query(call.request)).then((update) => callback(null, view(call.request.service, update)), (error: unknown) => fail(callback, error));
    },
    Watch: (call: ServerWritableStream<QueryMessage, unknown>) => {
      const stop = apps.watch(query(call.request), (update) => call.write(view(call.request.service, update)));
      call.once('cancelled', stop);
      call.once('close', stop);
    },
  };
  return {
    // Read by the gRPC listener when it starts its built-in services, not now (grpc-js loads then).
    get definition() {
      return definition();
    },
    handlers: guarded(handlers),
  };
}

/**
 * The last-resort guard: grpc-js does not catch what a handler throws, and an uncaught
 * throw ends the process. Whatever escapes is answered with its reason instead.
 */
function guarded(handlers: UntypedServiceImplementation): UntypedServiceImplementation {
  const out: UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(handlers)) {
    out[name] = ((call: ServerWritableStream<unknown, unknown>, callback?: sendUnaryData<unknown>) => {
      try {
        (handler as (call: unknown, callback?: unknown) => void)(call, callback);
      } catch (error) {
        if (callback) return fail(callback, error);
        const mesh = MeshError.from(error);
        call.emit('error', { code: mesh.code as number as GrpcStatus, details: `${mesh.reason}: ${mesh.message}` });
      }
    }) as UntypedServiceImplementation[string];
  }
  return out;
}
