/**
 * MeshError -> gRPC status. Our codes are gRPC's (src/core/errors.ts), so the code
 * passes as it is, except where gRPC has a more exact word for a mesh reason: no
 * route is UNIMPLEMENTED (grpc-go's answer for an unknown service). `grpc-message`
 * is percent-encoded as the spec asks (bytes outside 0x20-0x7E, and '%').
 */
import { constants as http2 } from 'node:http2';
import { Code, type MeshError, type Reason } from '../../core/index.js';

const BY_REASON: Partial<Record<Reason, Code>> = {
  PMESH_NO_ROUTE: Code.UNIMPLEMENTED,
  PMESH_NO_CLUSTER: Code.UNIMPLEMENTED,
};

export function grpcStatusOf(error: MeshError): number {
  return BY_REASON[error.reason] ?? error.code;
}

/** What a caller reads in its status: the stable reason first, then the sentence. */
export function grpcMessageOf(error: MeshError): string {
  return `${error.reason}: ${error.message}`;
}

/**
 * The RST_STREAM code that a client reads as this status (gRPC's HTTP/2 to status
 * table, as grpc-go and grpc-core apply it), for a stream that can no longer end with
 * trailers because a message is half sent: REFUSED_STREAM is the only code either
 * reads as UNAVAILABLE, CANCEL as CANCELLED, ENHANCE_YOUR_CALM as RESOURCE_EXHAUSTED.
 */
export function resetCodeOf(status: number): number {
  if (status === Code.UNAVAILABLE) return http2.NGHTTP2_REFUSED_STREAM;
  if (status === Code.CANCELLED || status === Code.DEADLINE_EXCEEDED) return http2.NGHTTP2_CANCEL;
  if (status === Code.RESOURCE_EXHAUSTED) return http2.NGHTTP2_ENHANCE_YOUR_CALM;
  return http2.NGHTTP2_INTERNAL_ERROR;
}

export function encodeGrpcMessage(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function decodeGrpcMessage(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
