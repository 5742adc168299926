/**
 * SOFABolt wire layout (docs/protocols.md). Mirrors the Java classes
 * com.alipay.remoting.rpc.protocol.RpcProtocol / RpcProtocolV2 (fixed header lengths,
 * protocol codes), RpcCommandEncoder(V2) / RpcCommandDecoder(V2) (field order),
 * com.alipay.remoting.rpc.RpcCommandType, CommandCode/RpcCommandCode and
 * com.alipay.remoting.ResponseStatus. All integers are big-endian.
 *
 * Bolt v1 request (22-byte fixed part), response (20):
 *
 *   0     1     2     4     5          9     10          14     16     18          22
 *   +-----+-----+-----+-----+----------+-----+-----------+------+------+-----------+-----...
 *   |proto|type |cmdcode|ver2| requestId |codec| timeout   |clsLen|hdrLen| contentLen| class, header, content
 *   +-----+-----+-----+-----+----------+-----+-----------+------+------+-----------+-----...
 *                                              response: status(u16) at 10, then clsLen at 12,
 *                                              hdrLen at 14, contentLen at 16 (20 bytes)
 *
 * Bolt v2 inserts `ver1` after proto and `switch` after codec (request 24, response 22):
 *
 *   0     1     2     3       5     6          10    11     12        16     18     20          24
 *   |proto|ver1 |type |cmdcode|ver2 | requestId |codec|switch| timeout |clsLen|hdrLen|contentLen | ... [CRC32]
 *                                                             response: status(u16) at 12, lengths at 14/16/18
 *
 * A CRC32 (IEEE, over every byte from offset 0 to the end of content) follows only when
 * ver1 == 2 and switch bit 0 is set (RpcCommandEncoderV2 / RpcCommandDecoderV2).
 */

export const PROTO_V1 = 0x01;
export const PROTO_V2 = 0x02;

/** v2 `ver1`: 1 = v1 body rules, 2 = CRC trailer allowed (RpcProtocolV2.PROTOCOL_VERSION_1/2). */
export const V2_VERSION_1 = 0x01;
export const V2_VERSION_2 = 0x02;

/** RpcCommandType. */
export const TYPE_RESPONSE = 0x00;
export const TYPE_REQUEST = 0x01;
export const TYPE_ONEWAY = 0x02;

/** CommonCommandCode.HEARTBEAT, RpcCommandCode.RPC_REQUEST / RPC_RESPONSE, MOSN's GOAWAY. */
export const CMD_HEARTBEAT = 0;
export const CMD_REQUEST = 1;
export const CMD_RESPONSE = 2;
export const CMD_GOAWAY = 100;

/** RpcCommand default `version` (ver2). */
export const VER2_DEFAULT = 0x01;

/** SerializerManager.Hessian2 (SOFARPC RemotingConstants.SERIALIZE_CODE_HESSIAN). */
export const CODEC_HESSIAN2 = 1;

/** ProtocolSwitch CRC_SWITCH_INDEX 0. */
export const SWITCH_CRC = 0x01;

export const CRC_BYTES = 4;
/** Java reads classLen and headerLen as `short`: 32767 is the most any peer accepts. */
export const MAX_SHORT_LEN = 0x7fff;

/** Field offsets inside the fixed part, per protocol version and direction. */
export interface FixedLayout {
  readonly fixedLen: number;
  readonly typeAt: number;
  readonly cmdAt: number;
  readonly ver2At: number;
  readonly idAt: number;
  readonly codecAt: number;
  /** v2 only; -1 in v1. */
  readonly switchAt: number;
  /** Requests: int32 timeout; responses: u16 status. */
  readonly timeoutOrStatusAt: number;
  readonly classLenAt: number;
  readonly headerLenAt: number;
  readonly contentLenAt: number;
}

export const V1_REQUEST: FixedLayout = {
  fixedLen: 22, typeAt: 1, cmdAt: 2, ver2At: 4, idAt: 5, codecAt: 9, switchAt: -1,
  timeoutOrStatusAt: 10, classLenAt: 14, headerLenAt: 16, contentLenAt: 18,
};
export const V1_RESPONSE: FixedLayout = {
  fixedLen: 20, typeAt: 1, cmdAt: 2, ver2At: 4, idAt: 5, codecAt: 9, switchAt: -1,
  timeoutOrStatusAt: 10, classLenAt: 12, headerLenAt: 14, contentLenAt: 16,
};
export const V2_REQUEST: FixedLayout = {
  fixedLen: 24, typeAt: 2, cmdAt: 3, ver2At: 5, idAt: 6, codecAt: 10, switchAt: 11,
  timeoutOrStatusAt: 12, classLenAt: 16, headerLenAt: 18, contentLenAt: 20,
};
export const V2_RESPONSE: FixedLayout = {
  fixedLen: 22, typeAt: 2, cmdAt: 3, ver2At: 5, idAt: 6, codecAt: 10, switchAt: 11,
  timeoutOrStatusAt: 12, classLenAt: 14, headerLenAt: 16, contentLenAt: 18,
};

export function layoutFor(proto: number, type: number): FixedLayout {
  const response = type === TYPE_RESPONSE;
  if (proto === PROTO_V1) return response ? V1_RESPONSE : V1_REQUEST;
  return response ? V2_RESPONSE : V2_REQUEST;
}

/** SOFARPC class names carried in the class field (docs/protocols.md). */
export const CLASS_SOFA_REQUEST = 'com.alipay.sofa.rpc.core.request.SofaRequest';
export const CLASS_SOFA_RESPONSE = 'com.alipay.sofa.rpc.core.response.SofaResponse';

/** SOFARPC header keys (RemotingConstants, docs/protocols.md). */
export const HEAD_SERVICE = 'service';
export const HEAD_TARGET_SERVICE = 'sofa_head_target_service';
export const HEAD_METHOD_NAME = 'sofa_head_method_name';
export const HEAD_RESPONSE_ERROR = 'sofa_head_response_error';
