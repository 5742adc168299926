/**
 * Heartbeats (docs/protocols.md): a request with cmdcode 0, timeout -1 and codec 1
 * and no body, as Java's RpcHeartbeatTrigger sends; the ack echoes its id with
 * status SUCCESS and the request's protocol, version and switch.
 */
import type { BoltFrame } from './frame.js';
import { buildFrame } from './encoder.js';
import { CMD_HEARTBEAT, CODEC_HESSIAN2, PROTO_V1, TYPE_REQUEST, TYPE_RESPONSE } from './layout.js';
import { BoltStatus } from './status.js';

export function heartbeatRequest(id: number, proto: 1 | 2 = PROTO_V1): BoltFrame {
  return buildFrame({ proto, type: TYPE_REQUEST, cmdCode: CMD_HEARTBEAT, requestId: id, codec: CODEC_HESSIAN2, timeout: -1 });
}

export function heartbeatReply(request: BoltFrame): BoltFrame {
  return buildFrame({
    proto: request.proto,
    ver1: request.ver1,
    type: TYPE_RESPONSE,
    cmdCode: CMD_HEARTBEAT,
    ver2: request.ver2,
    requestId: request.requestId,
    codec: request.codec,
    switchByte: request.switchByte,
    status: BoltStatus.SUCCESS,
  });
}

export function isHeartbeat(frame: BoltFrame): boolean {
  return frame.cmdCode === CMD_HEARTBEAT;
}
