/**
 * The "dubbo" ProtocolCodec: Dubbo 2.x framing (still Dubbo 3's `dubbo://`) with
 * hessian2 bodies. Frames keep their original bytes; routing metadata is read from
 * the body head and attachments without decoding arguments.
 */
import type { FrameKind, MatchResult, ProtocolCodec } from '../../core/codec.js';
import type { Limits } from '../../core/limits.js';
import type { BridgeCodec } from '../../bridge/bridge-codec.js';
import { HessianScanner } from '../hessian/scan.js';
import { DubboDecoder } from './decoder.js';
import { encodeFrame, encodeReply, withId } from './encoder.js';
import { dubboBridge } from './bridge.js';
import { heartbeatReply, heartbeatRequest, isHeartbeatRequest, readonlyEvent } from './heartbeat.js';
import { PROTOCOL, toInvocation, toResult } from './invocation.js';
import {
  DEFAULT_ALLOWED_SERIALIZATIONS,
  MAGIC_HIGH,
  MAGIC_LOW,
  requestIdOf,
  isEvent,
  isRequest,
  isTwoWay,
  type DubboFrame,
} from './layout.js';
import { localReply } from './status.js';
import { encodeForward, rewriteTimeout } from './timeout.js';

export interface DubboCodecOptions {
  /**
   * Serialization ids accepted in the header (default `[2]`, hessian2). Anything else
   * is refused at the header, naming the id: a pass-through sidecar would otherwise
   * forward an attacker's choice of deserializer (CVE-2021-25641).
   */
  readonly allowedSerializations?: readonly number[];
  /** Deepest hessian2 nesting skipped while looking for attachments (default 64). */
  readonly maxDepth?: number;
}

function match(head: Buffer): MatchResult {
  if (head.length === 0) return 'need-more';
  if (head[0] !== MAGIC_HIGH) return 'no';
  if (head.length === 1) return 'need-more';
  return head[1] === MAGIC_LOW ? 'yes' : 'no';
}

function kind(frame: DubboFrame): FrameKind {
  if (isRequest(frame)) {
    if (isEvent(frame)) return isHeartbeatRequest(frame) ? 'heartbeat' : 'control';
    return isTwoWay(frame) ? 'request' : 'oneway';
  }
  return isEvent(frame) ? 'heartbeat-reply' : 'response';
}

export function createDubboCodec(options: DubboCodecOptions = {}): ProtocolCodec<DubboFrame, BridgeCodec<DubboFrame>> {
  const allowed: ReadonlySet<number> = new Set(options.allowedSerializations ?? DEFAULT_ALLOWED_SERIALIZATIONS);
  const maxDepth = options.maxDepth ?? 64;
  return {
    name: PROTOCOL,
    match,
    newDecoder: (limits: Limits) => new DubboDecoder(limits, allowed),
    encode: encodeFrame,
    kind,
    requestId: requestIdOf,
    withRequestId: withId,
    encodeForward: (frame, id, remainingMs) => encodeForward(frame, id, remainingMs, maxDepth),
    encodeReply,
    heartbeat: (id) => heartbeatRequest(BigInt(id)),
    heartbeatReply,
    goAway: (id) => readonlyEvent(BigInt(id)),
    toInvocation: (frame, receivedAt) => toInvocation(frame, maxDepth, receivedAt),
    withTimeout: (frame, remainingMs) => rewriteTimeout(frame, remainingMs, maxDepth),
    toResult: (frame) => toResult(frame, maxDepth),
    localReply,
    forEachClassName: (frame, visit) => {
      const scanner = new HessianScanner(frame.body, 0, frame.body.length, maxDepth, visit);
      while (scanner.remaining > 0) scanner.skip();
    },
    bridge: dubboBridge,
  };
}

/** The default codec: hessian2 only. */
export const dubboCodec: ProtocolCodec<DubboFrame, BridgeCodec<DubboFrame>> = createDubboCodec();

export type { DubboFrame } from './layout.js';
export {
  Status as DubboStatus,
  ResultFlag,
  SERIALIZATION_HESSIAN2,
  DEFAULT_ALLOWED_SERIALIZATIONS,
  flagOf,
  statusOf,
  serializationOf,
  isRequest,
  isTwoWay,
  isEvent,
} from './layout.js';
export { readonlyEvent, isReadonlyEvent, isHeartbeatRequest } from './heartbeat.js';
export { readRequestHead, readResponseBody, errorMessageOf, isGenericCall, timeoutOf } from './invocation.js';
export type { RequestHead } from './body.js';
export { parseDescriptor } from './body.js';
export { statusForError, statusName, codeForStatus, errorForStatus } from './status.js';
export { buildRequest, buildResponse, type RequestSpec, type ResponseSpec } from './build.js';
