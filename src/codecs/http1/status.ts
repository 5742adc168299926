/**
 * MeshError -> HTTP status, the one table for HTTP/1 (after connect-es's
 * `http-status.ts` and gRPC's mapping document). Reasons that have a more precise
 * status than their code win (413, 431, 502).
 */
import { Code, type MeshError, type Reason } from '../../core/index.js';

const BY_REASON: Partial<Record<Reason, number>> = {
  PMESH_BODY_TOO_LARGE: 413,
  PMESH_HEADERS_TOO_LARGE: 431,
  PMESH_UPSTREAM_BAD_RESPONSE: 502,
  PMESH_UPSTREAM_CONNECTION_LOST: 502,
  PMESH_BAD_REQUEST: 400,
  PMESH_METHOD_NOT_ALLOWED: 405,
};

const BY_CODE: Record<Code, number> = {
  [Code.OK]: 200,
  [Code.CANCELLED]: 499,
  [Code.UNKNOWN]: 500,
  [Code.INVALID_ARGUMENT]: 400,
  [Code.DEADLINE_EXCEEDED]: 504,
  [Code.NOT_FOUND]: 404,
  [Code.ALREADY_EXISTS]: 409,
  [Code.PERMISSION_DENIED]: 403,
  [Code.RESOURCE_EXHAUSTED]: 429,
  [Code.FAILED_PRECONDITION]: 400,
  [Code.ABORTED]: 409,
  [Code.OUT_OF_RANGE]: 400,
  [Code.UNIMPLEMENTED]: 501,
  [Code.INTERNAL]: 500,
  [Code.UNAVAILABLE]: 503,
  [Code.DATA_LOSS]: 500,
  [Code.UNAUTHENTICATED]: 401,
};

export function httpStatusOf(error: MeshError): number {
  return BY_REASON[error.reason] ?? BY_CODE[error.code];
}

/** The JSON body of a mesh-made error response: what failed and why. */
export function errorBody(error: MeshError): string {
  return JSON.stringify({ error: error.reason, code: Code[error.code], message: error.message, ...error.details });
}
