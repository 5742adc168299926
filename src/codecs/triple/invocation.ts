/**
 * A Triple stream as an Invocation: gRPC's reading (service and method from `:path`,
 * headers as attachments, the body the message stream) plus Dubbo's service key,
 * version and group from `tri-service-version` / `tri-service-group`, so routes match
 * them as for Dubbo. The deadline is `grpc-timeout`, else `tri-service-timeout`.
 */
import type { IncomingHttpHeaders } from 'node:http2';
import type { Readable } from 'node:stream';
import type { Invocation } from '../../core/index.js';
import { grpcInvocation } from '../grpc/invocation.js';
import { parseServiceTimeout, TRI_SERVICE_GROUP, TRI_SERVICE_TIMEOUT, TRI_SERVICE_VERSION } from './headers.js';

export function tripleInvocation(headers: IncomingHttpHeaders, body: Readable, now: number): Invocation {
  const grpc = grpcInvocation(headers, body, now);
  const version = headerText(headers[TRI_SERVICE_VERSION]);
  const group = headerText(headers[TRI_SERVICE_GROUP]);
  const serviceTimeout = parseServiceTimeout(headerText(headers[TRI_SERVICE_TIMEOUT]));
  return {
    ...grpc,
    protocol: 'triple',
    service: { interface: grpc.service.interface, version, group },
    deadline: grpc.deadline ?? (serviceTimeout === undefined ? undefined : now + serviceTimeout),
  };
}

function headerText(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text ? text : undefined;
}
