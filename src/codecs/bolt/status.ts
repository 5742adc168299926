/**
 * Bolt ResponseStatus <-> mesh Code, both directions (docs/architecture.md; MOSN
 * bolt/mapping.go does the HTTP side of the same idea). Values are
 * com.alipay.remoting.ResponseStatus; note 0x0010-0x0012 are hex literals (16-18).
 * Java's ResponseStatus.valueOf throws on anything else, so we never invent codes.
 */
import { Code, type MeshError, type Reason } from '../../core/errors.js';

export const BoltStatus = {
  SUCCESS: 0x0000,
  ERROR: 0x0001,
  SERVER_EXCEPTION: 0x0002,
  UNKNOWN: 0x0003,
  SERVER_THREADPOOL_BUSY: 0x0004,
  ERROR_COMM: 0x0005,
  NO_PROCESSOR: 0x0006,
  TIMEOUT: 0x0007,
  CLIENT_SEND_ERROR: 0x0008,
  CODEC_EXCEPTION: 0x0009,
  CONNECTION_CLOSED: 0x0010,
  SERVER_SERIAL_EXCEPTION: 0x0011,
  SERVER_DESERIAL_EXCEPTION: 0x0012,
} as const;

export type BoltStatusName = keyof typeof BoltStatus;

const NAMES = new Map<number, BoltStatusName>(
  Object.entries(BoltStatus).map(([name, value]) => [value, name as BoltStatusName]),
);

export function isKnownStatus(status: number): boolean {
  return NAMES.has(status);
}

/** `SERVER_THREADPOOL_BUSY (0x0004)`, for messages and logs. */
export function statusName(status: number): string {
  return `${NAMES.get(status) ?? 'UNKNOWN_STATUS'} (0x${status.toString(16).padStart(4, '0')})`;
}

/** Upstream status -> Code: what a non-SUCCESS Bolt reply means to the mesh. */
const TO_CODE: Readonly<Record<number, Code>> = {
  [BoltStatus.SUCCESS]: Code.OK,
  [BoltStatus.ERROR]: Code.UNKNOWN,
  [BoltStatus.SERVER_EXCEPTION]: Code.INTERNAL,
  [BoltStatus.UNKNOWN]: Code.UNKNOWN,
  [BoltStatus.SERVER_THREADPOOL_BUSY]: Code.RESOURCE_EXHAUSTED,
  [BoltStatus.ERROR_COMM]: Code.UNAVAILABLE,
  [BoltStatus.NO_PROCESSOR]: Code.UNIMPLEMENTED,
  [BoltStatus.TIMEOUT]: Code.DEADLINE_EXCEEDED,
  [BoltStatus.CLIENT_SEND_ERROR]: Code.UNAVAILABLE,
  [BoltStatus.CODEC_EXCEPTION]: Code.INTERNAL,
  [BoltStatus.CONNECTION_CLOSED]: Code.UNAVAILABLE,
  [BoltStatus.SERVER_SERIAL_EXCEPTION]: Code.INTERNAL,
  [BoltStatus.SERVER_DESERIAL_EXCEPTION]: Code.INVALID_ARGUMENT,
};

export function codeForStatus(status: number): Code {
  return TO_CODE[status] ?? Code.UNKNOWN;
}

/**
 * Code -> the Bolt status a mesh-made error is reported with. A few reasons are
 * more precise than their code (a codec error is CODEC_EXCEPTION, not SERVER_EXCEPTION).
 */
const FROM_REASON: Partial<Record<Reason, number>> = {
  PMESH_CODEC_ERROR: BoltStatus.CODEC_EXCEPTION,
  PMESH_UPSTREAM_CONNECTION_LOST: BoltStatus.CONNECTION_CLOSED,
  PMESH_UPSTREAM_CONNECT_FAILED: BoltStatus.ERROR_COMM,
  PMESH_UPSTREAM_BAD_RESPONSE: BoltStatus.ERROR_COMM,
  PMESH_NO_ROUTE: BoltStatus.NO_PROCESSOR,
  PMESH_NO_CLUSTER: BoltStatus.NO_PROCESSOR,
};

const FROM_CODE: Readonly<Record<Code, number>> = {
  [Code.OK]: BoltStatus.SUCCESS,
  [Code.CANCELLED]: BoltStatus.ERROR,
  [Code.UNKNOWN]: BoltStatus.UNKNOWN,
  [Code.INVALID_ARGUMENT]: BoltStatus.SERVER_DESERIAL_EXCEPTION,
  [Code.DEADLINE_EXCEEDED]: BoltStatus.TIMEOUT,
  [Code.NOT_FOUND]: BoltStatus.NO_PROCESSOR,
  [Code.ALREADY_EXISTS]: BoltStatus.ERROR,
  [Code.PERMISSION_DENIED]: BoltStatus.SERVER_EXCEPTION,
  [Code.RESOURCE_EXHAUSTED]: BoltStatus.SERVER_THREADPOOL_BUSY,
  [Code.FAILED_PRECONDITION]: BoltStatus.ERROR,
  [Code.ABORTED]: BoltStatus.ERROR,
  [Code.OUT_OF_RANGE]: BoltStatus.ERROR,
  [Code.UNIMPLEMENTED]: BoltStatus.NO_PROCESSOR,
  [Code.INTERNAL]: BoltStatus.SERVER_EXCEPTION,
  [Code.UNAVAILABLE]: BoltStatus.CONNECTION_CLOSED,
  [Code.DATA_LOSS]: BoltStatus.SERVER_EXCEPTION,
  [Code.UNAUTHENTICATED]: BoltStatus.SERVER_EXCEPTION,
};

export function statusForError(error: Pick<MeshError, 'code' | 'reason'>): number {
  return FROM_REASON[error.reason] ?? FROM_CODE[error.code];
}
