/**
 * What the gRPC server codec reads of a request head (flat: name, value, ...): whether it
 * is a gRPC call at all, the service and method from `:path`, and the deadline's budget
 * from `grpc-timeout`. A relayed call's head is read twice (refusal, then toInvocation),
 * and the relay's HPACK decoder hands out the very same list for a caller's repeated head
 * (h2-frames/hpack-memo.ts): a few lists are remembered by identity with what was read,
 * so a repeated head costs a pointer compare, not two passes, a path split and two new
 * strings per call. Lists are never modified once decoded. A head with a deadline is
 * per call (its budget differs each time): read, never remembered.
 */
import { GRPC_TIMEOUT, isGrpcRequest } from './headers.js';
import { parseGrpcTimeout } from './timeout.js';

const SLASH = 0x2f;
/** Heads remembered: one per caller connection sending the same head is the common case. */
const SLOTS = 8;

export interface GrpcHeadReading {
  /** Why the head is not a gRPC call, or undefined. */
  readonly refusal: string | undefined;
  /** Shared by every call with this head: never modified. */
  readonly service: { readonly interface: string };
  readonly method: string;
  readonly timeoutMs: number | undefined;
}

/** Where `/pkg.Service/Method` splits into service and method (the second slash); -1 for any other path. */
export function grpcPathSplit(path: string | undefined): number {
  if (!path || path.charCodeAt(0) !== SLASH) return -1;
  const slash = path.indexOf('/', 1);
  if (slash <= 1 || slash === path.length - 1 || path.indexOf('/', slash + 1) !== -1) return -1;
  return slash;
}

/** One pass over the head (the first of each field). */
function read(fields: readonly string[]): GrpcHeadReading {
  let method: string | undefined;
  let path: string | undefined;
  let contentType: string | undefined;
  let timeoutText: string | undefined;
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    if (name === ':path') path ??= fields[i + 1];
    else if (name === ':method') method ??= fields[i + 1];
    else if (name === 'content-type') contentType ??= fields[i + 1];
    else if (name === GRPC_TIMEOUT) timeoutText ??= fields[i + 1];
  }
  const slash = grpcPathSplit(path);
  const refusal = isGrpcRequest(method, contentType) && slash !== -1 ? undefined : `not a gRPC call: ${String(method)} ${String(path)} (${String(contentType)})`;
  return {
    refusal,
    service: { interface: slash === -1 ? '' : path!.slice(1, slash) },
    method: slash === -1 ? '' : path!.slice(slash + 1),
    timeoutMs: parseGrpcTimeout(timeoutText),
  };
}

class HeadReadings {
  readonly #lists: (readonly string[] | undefined)[] = new Array<undefined>(SLOTS).fill(undefined);
  readonly #readings: (GrpcHeadReading | undefined)[] = new Array<undefined>(SLOTS).fill(undefined);
  #next = 0;

  of(fields: readonly string[]): GrpcHeadReading {
    const lists = this.#lists;
    for (let slot = 0; slot < SLOTS; slot++) if (lists[slot] === fields) return this.#readings[slot]!;
    const reading = read(fields);
    if (reading.timeoutMs === undefined) {
      const slot = this.#next;
      this.#next = (slot + 1) % SLOTS;
      lists[slot] = fields;
      this.#readings[slot] = reading;
    }
    return reading;
  }
}

const readings = new HeadReadings();

/** What a gRPC request head says; the same reading for the same list. */
export function readGrpcHead(fields: readonly string[]): GrpcHeadReading {
  return readings.of(fields);
}
