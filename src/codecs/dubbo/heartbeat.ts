/**
 * Heartbeats and the read-only event (docs/protocols.md; remoting-api
 * exchange/codec/ExchangeCodec.java encodeRequest/encodeResponse, HeartbeatHandler,
 * HeaderExchangeServer.sendChannelReadOnlyEvent). The connection layer answers
 * them; they never reach the router.
 */
import { hessianString } from '../hessian/byte-sink.js';
import {
  FLAG_EVENT,
  FLAG_REQUEST,
  FLAG_TWOWAY,
  HESSIAN_NULL,
  READONLY_EVENT,
  SERIALIZATION_HESSIAN2,
  SERIALIZATION_MASK,
  Status,
  flagOf,
  idOf,
  isEvent,
  isHeartbeatBody,
  isRequest,
  makeFrame,
  type DubboFrame,
} from './layout.js';

const NULL_BODY = Buffer.from([HESSIAN_NULL]);

/** Two-way heartbeat request (`0xe2` with hessian2), body = null. */
export function heartbeatRequest(id: bigint): DubboFrame {
  return makeFrame(FLAG_REQUEST | FLAG_TWOWAY | FLAG_EVENT | SERIALIZATION_HESSIAN2, 0, id, NULL_BODY);
}

/**
 * Reply to a heartbeat: event flag plus the request's serialization id, no two-way
 * bit, status OK, the same id, body = null (`0x22` with hessian2).
 */
export function heartbeatReply(request: DubboFrame): DubboFrame {
  return makeFrame(FLAG_EVENT | (flagOf(request) & SERIALIZATION_MASK), Status.OK, idOf(request), NULL_BODY);
}

/** The oneway READONLY event a provider sends before it shuts down (`0xa2`, body "R"). */
export function readonlyEvent(id: bigint): DubboFrame {
  return makeFrame(FLAG_REQUEST | FLAG_EVENT | SERIALIZATION_HESSIAN2, 0, id, hessianString(READONLY_EVENT));
}

export function isHeartbeatRequest(frame: DubboFrame): boolean {
  return isRequest(frame) && isEvent(frame) && (frame.body.length === 0 || isHeartbeatBody(frame));
}

/** True for the READONLY event ("R"): stop sending new requests on that connection. */
export function isReadonlyEvent(frame: DubboFrame): boolean {
  return isRequest(frame) && isEvent(frame) && frame.body.length === 2 && frame.body[0] === 0x01 && frame.body[1] === 0x52;
}
