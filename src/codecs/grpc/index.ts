/**
 * gRPC's protocol knowledge, with no transport: the HTTP/2 machinery lives in the
 * proxy (the frame relay in proxy/h2-frames, listeners/http2.ts, upstream/http2.ts). Messages are never
 * decoded; this folder knows the names, the deadline header, the status table and
 * the length prefix.
 */
export { CONTENT_TYPE, GRPC_MESSAGE, GRPC_STATUS, GRPC_TIMEOUT, attachmentsOf, forwardable, forwardFlat, isGrpcRequest } from './headers.js';
export { grpcInvocation, parseGrpcPath, type GrpcRequestFrame, type GrpcResponseFrame } from './invocation.js';
export { LengthPrefixCheck, MessageBoundaries } from './length-prefix.js';
export { decodeGrpcMessage, encodeGrpcMessage, grpcMessageOf, grpcStatusOf, resetCodeOf } from './status.js';
export { formatGrpcTimeout, parseGrpcTimeout } from './timeout.js';
