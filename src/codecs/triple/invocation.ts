/**
 * A Triple stream as an Invocation: gRPC's reading (service and method from `:path`,
 * headers as attachments, the body the message stream) plus Dubbo's service key,
 * version and group from `tri-service-version` / `tri-service-group`, so routes match
 * them as for Dubbo. The deadline is `grpc-timeout`, else `tri-service-timeout`.
 */
import type { Readable } from 'node:stream';
import type { Invocation } from '../../core/index.js';
import { GRPC_TIMEOUT } from '../grpc/headers.js';
import { streamInvocation } from '../grpc/invocation.js';
import { parseGrpcTimeout } from '../grpc/timeout.js';
import { parseServiceTimeout, TRI_SERVICE_GROUP, TRI_SERVICE_TIMEOUT, TRI_SERVICE_VERSION } from './headers.js';

export function tripleInvocation(fields: readonly string[], body: Readable, now: number): Invocation {
  let path: string | undefined;
  let grpcTimeout: string | undefined;
  let version: string | undefined;
  let group: string | undefined;
  let serviceTimeout: string | undefined;
  for (let i = 0; i < fields.length; i += 2) {
    const value = fields[i + 1]!;
    switch (fields[i]) {
      case ':path':
        path ??= value;
        break;
      case GRPC_TIMEOUT:
        grpcTimeout ??= value;
        break;
      case TRI_SERVICE_VERSION:
        version ??= value;
        break;
      case TRI_SERVICE_GROUP:
        group ??= value;
        break;
      case TRI_SERVICE_TIMEOUT:
        serviceTimeout ??= value;
        break;
    }
  }
  const timeoutMs = parseGrpcTimeout(grpcTimeout) ?? parseServiceTimeout(serviceTimeout || undefined);
  // An empty version or group is none.
  return streamInvocation('triple', fields, path, timeoutMs, body, now, { version: version || undefined, group: group || undefined });
}
