/**
 * The two-way table between MeshError (Code, Reason) and Dubbo's response status
 * byte (remoting-api exchange/Response.java), and the local reply built from it.
 *
 * How a Java consumer shows a non-OK response (read in apache/dubbo): the body is one
 * hessian2 string (ExchangeCodec.encodeResponse `writeUTF(errorMessage)`, read back
 * by DubboCodec.decodeBody `readUTF`); DefaultFuture.doReceived turns status 30/31
 * into a TimeoutException, 25 into a SerializationException and every other one into
 * a RemotingException carrying that string; AbstractInvoker then throws an
 * RpcException "... method: m, provider: url, cause: <our string>". So our string is
 * what the Java user reads, and it names the service, the method and the cause.
 */
import { Code, MeshError, type Reason } from '../../core/errors.js';
import { parseRequestBody } from './body.js';
import { hessianString } from '../hessian/byte-sink.js';
import { SERIALIZATION_HESSIAN2, Status, idOf, makeFrame, type DubboFrame } from './layout.js';

interface Row {
  readonly status: number;
  readonly name: string;
  readonly code: Code;
  /** The reason a MeshError made from this status carries (undefined for OK). */
  readonly reason: Reason | undefined;
}

/** Dubbo status -> Code/Reason, one row per status Response.java defines. */
const ROWS: readonly Row[] = [
  { status: Status.OK, name: 'OK', code: Code.OK, reason: undefined },
  { status: Status.SERIALIZATION_ERROR, name: 'SERIALIZATION_ERROR', code: Code.INTERNAL, reason: 'PMESH_UPSTREAM_BAD_RESPONSE' },
  { status: Status.CLIENT_TIMEOUT, name: 'CLIENT_TIMEOUT', code: Code.DEADLINE_EXCEEDED, reason: 'PMESH_UPSTREAM_TIMEOUT' },
  { status: Status.SERVER_TIMEOUT, name: 'SERVER_TIMEOUT', code: Code.DEADLINE_EXCEEDED, reason: 'PMESH_UPSTREAM_TIMEOUT' },
  { status: Status.CHANNEL_INACTIVE, name: 'CHANNEL_INACTIVE', code: Code.UNAVAILABLE, reason: 'PMESH_UPSTREAM_CONNECTION_LOST' },
  { status: Status.BAD_REQUEST, name: 'BAD_REQUEST', code: Code.INVALID_ARGUMENT, reason: 'PMESH_BAD_REQUEST' },
  { status: Status.BAD_RESPONSE, name: 'BAD_RESPONSE', code: Code.UNAVAILABLE, reason: 'PMESH_UPSTREAM_BAD_RESPONSE' },
  { status: Status.SERVICE_NOT_FOUND, name: 'SERVICE_NOT_FOUND', code: Code.NOT_FOUND, reason: 'PMESH_NO_ROUTE' },
  { status: Status.SERVICE_ERROR, name: 'SERVICE_ERROR', code: Code.UNKNOWN, reason: 'PMESH_INTERNAL' },
  { status: Status.SERVER_ERROR, name: 'SERVER_ERROR', code: Code.INTERNAL, reason: 'PMESH_INTERNAL' },
  { status: Status.CLIENT_ERROR, name: 'CLIENT_ERROR', code: Code.INTERNAL, reason: 'PMESH_CODEC_ERROR' },
  {
    status: Status.SERVER_THREADPOOL_EXHAUSTED_ERROR,
    name: 'SERVER_THREADPOOL_EXHAUSTED_ERROR',
    code: Code.RESOURCE_EXHAUSTED,
    reason: 'PMESH_OVERLOADED',
  },
];

const BY_STATUS = new Map(ROWS.map((row) => [row.status, row]));

/** Reasons whose status differs from what their Code alone would give. */
const BY_REASON: Partial<Record<Reason, number>> = {
  PMESH_UPSTREAM_BAD_RESPONSE: Status.BAD_RESPONSE,
  PMESH_OVERLOADED: Status.SERVER_THREADPOOL_EXHAUSTED_ERROR,
  PMESH_FRAME_TOO_LARGE: Status.BAD_REQUEST,
  PMESH_HEADERS_TOO_LARGE: Status.BAD_REQUEST,
  PMESH_BODY_TOO_LARGE: Status.BAD_REQUEST,
  PMESH_CODEC_ERROR: Status.BAD_REQUEST,
};

/** Code -> status when no reason row applies. The sidecar is the consumer's server, hence SERVER_TIMEOUT. */
const BY_CODE: Partial<Record<Code, number>> = {
  [Code.OK]: Status.OK,
  [Code.DEADLINE_EXCEEDED]: Status.SERVER_TIMEOUT,
  [Code.INVALID_ARGUMENT]: Status.BAD_REQUEST,
  [Code.PERMISSION_DENIED]: Status.BAD_REQUEST,
  [Code.UNAUTHENTICATED]: Status.BAD_REQUEST,
  [Code.FAILED_PRECONDITION]: Status.BAD_REQUEST,
  [Code.OUT_OF_RANGE]: Status.BAD_REQUEST,
  [Code.NOT_FOUND]: Status.SERVICE_NOT_FOUND,
  [Code.UNIMPLEMENTED]: Status.SERVICE_NOT_FOUND,
  [Code.RESOURCE_EXHAUSTED]: Status.SERVER_THREADPOOL_EXHAUSTED_ERROR,
  [Code.UNAVAILABLE]: Status.SERVER_ERROR,
  [Code.INTERNAL]: Status.SERVER_ERROR,
  [Code.DATA_LOSS]: Status.SERVER_ERROR,
  [Code.CANCELLED]: Status.SERVER_ERROR,
  [Code.ABORTED]: Status.SERVER_ERROR,
};

/** The Dubbo status a MeshError is answered with. */
export function statusForError(error: MeshError): number {
  return BY_REASON[error.reason] ?? BY_CODE[error.code] ?? Status.SERVICE_ERROR;
}

/** Name of a status byte (`SERVER_TIMEOUT`), or `STATUS_<n>` for bytes Dubbo does not define. */
export function statusName(status: number): string {
  return BY_STATUS.get(status)?.name ?? `STATUS_${status}`;
}

/** Code of an upstream status (unknown bytes are UNKNOWN). */
export function codeForStatus(status: number): Code {
  return BY_STATUS.get(status)?.code ?? Code.UNKNOWN;
}

/** A MeshError for an upstream's non-OK status, keeping its message. */
export function errorForStatus(status: number, message: string): MeshError {
  const reason = BY_STATUS.get(status)?.reason ?? 'PMESH_INTERNAL';
  return new MeshError(reason, `dubbo: upstream answered ${statusName(status)} (${status}): ${message}`, {
    details: { status },
  });
}

/** Longest message we put on the wire; a mesh error text never needs more. */
const MAX_MESSAGE = 4096;

/** `com.example.EchoService:1.0.0#echo`, or a placeholder when the request cannot be read. */
function describeCall(request: DubboFrame): string {
  try {
    const head = parseRequestBody(request.body, 64);
    const group = head.attachments.get('group');
    const version = head.version && head.version !== '0.0.0' ? `:${head.version}` : '';
    return `${group ? `${group}/` : ''}${head.attachments.get('interface') ?? head.path}${version}#${head.method}`;
  } catch {
    return 'an unreadable request';
  }
}

/**
 * The response answering `request` with a mesh-made error: the request's id, the
 * status from the table, and a hessian2 string body naming the call and the cause.
 * Always written with hessian2 (the only serialization this codec writes).
 */
export function localReply(request: DubboFrame, error: MeshError): DubboFrame {
  const status = statusForError(error);
  let message = `polyglot-mesh: ${describeCall(request)} failed: ${error.message} [${error.reason}]`;
  if (message.length > MAX_MESSAGE) message = `${message.slice(0, MAX_MESSAGE - 3)}...`;
  return makeFrame(SERIALIZATION_HESSIAN2, status, idOf(request), hessianString(message));
}
