/**
 * The "bolt" ProtocolCodec: SOFABolt v1/v2 framing with SOFARPC mapping.
 * `boltCodec` uses the safe defaults (serializer allow list {1 = hessian2});
 * `createBoltCodec` makes one with other serializers or reply style.
 */
import type { FrameKind, ProtocolCodec } from '../../core/codec.js';
import type { MeshError } from '../../core/errors.js';
import { DEFAULT_LIMITS, type Limits } from '../../core/limits.js';
import type { BridgeCodec } from '../../bridge/bridge-codec.js';
import { forEachValueClassName } from '../hessian/index.js';
import { decodeSofaRequest, decodeSofaResponse, type DecodeOptions, type SofaRequestBody, type SofaResponseBody } from './sofa-body.js';
import { BoltDecoder } from './decoder.js';
import { encodeForward, encodeFrame, withRequestId, withTimeout } from './encoder.js';
import { frameContent, type BoltFrame } from './frame.js';
import { heartbeatReply, heartbeatRequest } from './heartbeat.js';
import { boltBridge } from './bridge.js';
import { localReply, toInvocation, toResult, type ReplyStatusMode } from './invocation.js';
import {
  CMD_GOAWAY, CMD_HEARTBEAT, CODEC_HESSIAN2, PROTO_V1, PROTO_V2, TYPE_ONEWAY, TYPE_REQUEST, TYPE_RESPONSE,
} from './layout.js';

export type { BoltFrame } from './frame.js';
export { BoltDecoder, type BoltDecoderOptions } from './decoder.js';
export { BoltStatus, codeForStatus, statusForError, statusName } from './status.js';
export { parseServiceUniqueName, HEAD_PMESH_CODE, HEAD_PMESH_REASON, type ReplyStatusMode } from './invocation.js';
export { buildFrame, type FrameSpec } from './encoder.js';
export { frameContent } from './frame.js';
/** Heartbeat of a given protocol version (the contract's heartbeat() is v1, what Java clients send). */
export { heartbeatRequest } from './heartbeat.js';
export * as boltLayout from './layout.js';

export interface BoltCodecOptions {
  /** Serializer ids accepted on RPC frames. Default {1} (hessian2); e.g. [1, 11] adds protobuf. */
  readonly allowedSerializers?: Iterable<number>;
  /** Default 'sofarpc': errors travel as SUCCESS + SofaResponse{isError}, see invocation.ts. */
  readonly replyStatus?: ReplyStatusMode;
}

export interface BoltCodec extends ProtocolCodec<BoltFrame, BridgeCodec<BoltFrame>> {
  readonly allowedSerializers: ReadonlySet<number>;
  newDecoder(limits?: Limits): BoltDecoder;
  /** Lazily decodes a request frame's Hessian body (SofaRequest + arguments); both dialects. */
  decodeRequestBody(frame: BoltFrame, options?: DecodeOptions): SofaRequestBody;
  /** Lazily decodes a response frame's Hessian body (SofaResponse); both dialects. */
  decodeResponseBody(frame: BoltFrame, options?: DecodeOptions): SofaResponseBody;
}

function kindOf(frame: BoltFrame): FrameKind {
  if (frame.cmdCode === CMD_HEARTBEAT) return frame.type === TYPE_RESPONSE ? 'heartbeat-reply' : 'heartbeat';
  if (frame.cmdCode === CMD_GOAWAY) return 'control';
  if (frame.type === TYPE_RESPONSE) return 'response';
  return frame.type === TYPE_ONEWAY ? 'oneway' : 'request';
}

/** Bolt ids are int32; a wider id wraps (modulo 2^32) the way Java's IDGenerator does. */
const int32 = (id: number | bigint): number => (typeof id === 'bigint' ? Number(BigInt.asIntN(32, id)) : id | 0);

export function createBoltCodec(options: BoltCodecOptions = {}): BoltCodec {
  const allowed: ReadonlySet<number> = new Set(options.allowedSerializers ?? [CODEC_HESSIAN2]);
  const replyStatus = options.replyStatus ?? 'sofarpc';
  return {
    name: 'bolt',
    allowedSerializers: allowed,
    match(head: Buffer) {
      if (head.length === 0) return 'need-more';
      const proto = head[0];
      if (proto !== PROTO_V1 && proto !== PROTO_V2) return 'no';
      const typeAt = proto === PROTO_V1 ? 1 : 2;
      if (head.length <= typeAt) return 'need-more';
      const type = head[typeAt] as number;
      return type === TYPE_REQUEST || type === TYPE_ONEWAY || type === TYPE_RESPONSE ? 'yes' : 'no';
    },
    newDecoder(limits: Limits = DEFAULT_LIMITS) {
      return new BoltDecoder({ limits, allowedSerializers: allowed });
    },
    encode: encodeFrame,
    kind: kindOf,
    requestId: (frame) => frame.requestId,
    withRequestId: (frame, id) => withRequestId(frame, int32(id)),
    encodeForward: (frame, id, remainingMs) => encodeForward(frame, int32(id), remainingMs),
    encodeReply: (reply, request) => encodeForward(reply, request.requestId),
    heartbeat: (id) => heartbeatRequest(int32(id)),
    heartbeatReply,
    toInvocation,
    withTimeout,
    toResult,
    localReply: (request: BoltFrame, error: MeshError) => localReply(request, error, replyStatus),
    forEachClassName(frame, visit) {
      if (frame.codec !== CODEC_HESSIAN2 || frame.contentLen === 0) return;
      const body = decodeSofaRequest(frameContent(frame));
      for (const type of body.methodArgSigs) visit(type);
      forEachValueClassName([...body.args, body.requestProps], visit);
    },
    bridge: boltBridge,
    decodeRequestBody: (frame, decodeOptions) => decodeSofaRequest(frameContent(frame), decodeOptions),
    decodeResponseBody: (frame, decodeOptions) => decodeSofaResponse(frameContent(frame), decodeOptions),
  };
}

export const boltCodec: BoltCodec = createBoltCodec();
export { buildRequest, buildResponse, type BoltRequestSpec, type BoltResult } from './build.js';
