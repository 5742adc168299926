/**
 * SOFARPC's bridge half: a SofaRequest made from typed values (the arguments continuing
 * the request object's Hessian stream, in the cluster's dialect), and a SofaResponse read
 * back into typed values (either dialect, told by its first byte).
 */
import { runtimeException, throwableMessage, type BridgeCall, type BridgeCodec, type BridgeOutcome, type BridgeResult } from '../../bridge/bridge-codec.js';
import { jv, type JavaValue } from '../../bridge/values.js';
import { Code, MeshError, type Reason } from '../../core/errors.js';
import { javaTypeName, parseJavaType, type JavaType } from '../../bridge/java-types.js';
import type { TypeCatalog } from '../../bridge/schema.js';
import type { HessianValue } from '../hessian/index.js';
import { SOFA_REQUEST_CLASS, decodeSofaRequest, decodeSofaResponse } from './sofa-body.js';
import { JavaHessianWriter, argumentBytesGuess, encodeJavaValues, toJavaValue, writeTableFreeValues, type StreamState } from '../hessian/java-values.js';
import { ByteSink } from '../hessian/byte-sink.js';
import type { HessianDialect } from '../hessian/values.js';
import { SOFA_RESPONSE_STATE } from './sofa-streams.js';
import { encodeSofaResponse } from './sofa-body-out.js';
import { stringValueAsJson } from '../hessian/json-text.js';
import { buildResponse, requestFrame } from './build.js';
import { parseServiceUniqueName } from './invocation.js';
import { frameContent, knownHeaders, type BoltFrame } from './frame.js';
import { HEAD_RESPONSE_ERROR, layoutFor } from './layout.js';
import { codeForStatus, statusName } from './status.js';

/** What a Java client sends as requestProps for a plain synchronous call. */
const REQUEST_PROPS: ReadonlyArray<readonly [string, string]> = [['protocol', 'bolt'], ['type', 'sync']];

function uniqueName(call: BridgeCall): string {
  const { interface: iface, version, group } = call.service;
  return [iface, version ?? '', group].filter((part) => part !== undefined).join(':').replace(/:$/, '');
}

/**
 * The SofaRequest the bridge writes: the four fields servers read (targetAppName, null in
 * every bridged call, is left out), then the arguments in the same Hessian stream, in the
 * dialect the cluster's servers read: legacy for Java SOFARPC and sofa-rpc-node's default
 * (hessianVersion 3.0), final for a sofa-rpc-node server set to 4.0 (neither reads the other).
 *
 * Four fields, not Java's five, on purpose: a sofa-rpc-node server keeps, per connection,
 * the first definition it saw of each class (keyed by name and field count) and reads later
 * definitions of that key with the cached field order. Java writes the five fields in one
 * order, sofa-rpc-node's client in another; a five-field SofaRequest from the bridge would
 * be misread after the connection's other callers' one, or make theirs misread after it
 * ("Can not find method ...#java.lang.String()"). Nobody else writes four, so bridged and
 * passed-through calls never share a cached definition. Java reads fields by name.
 */
function sofaRequest(call: BridgeCall, service: string): JavaValue {
  return jv.object(SOFA_REQUEST_CLASS, [
    ['methodName', jv.string(call.method)],
    ['targetServiceUniqueName', jv.string(service)],
    ['requestProps', jv.map(REQUEST_PROPS.map(([key, value]) => [jv.string(key), jv.string(value)]), 'java.util.HashMap')],
    ['methodArgSigs', jv.array('java.lang.String', call.paramTypes.map((type) => jv.string(javaTypeName(type))))],
  ]);
}

/**
 * What is the same for every call of a method: the service's unique name, the SofaRequest's
 * bytes and the stream's tables after it, and the Bolt frame around them with no content yet
 * (its class name and header map already encoded at the front of `rest`).
 */
interface RequestHead {
  readonly service: string;
  readonly bytes: Buffer;
  readonly state: StreamState;
  readonly frame: BoltFrame;
}

/** Heads by parameter-type list (the bridge keeps one list per resolved method), then by dialect, service and method. */
const heads = new WeakMap<readonly JavaType[], Map<string, RequestHead>>();
/** Heads kept at most per list; past that its cache starts over (a sidecar calls far fewer methods). */
const MAX_HEADS = 4096;

function headOf(call: BridgeCall, dialect: HessianDialect): RequestHead {
  let byName = heads.get(call.paramTypes);
  if (byName === undefined) {
    byName = new Map();
    heads.set(call.paramTypes, byName);
  }
  const { interface: iface, version, group } = call.service;
  const key = `${dialect}\u0000${iface}\u0000${version ?? '\u0001'}\u0000${group ?? '\u0001'}\u0000${call.method}`;
  let head = byName.get(key);
  if (head === undefined) {
    const service = uniqueName(call);
    const writer = new JavaHessianWriter({ dialect });
    writer.write(sofaRequest(call, service));
    const frame = requestFrame({ requestId: 0, service, method: call.method, timeoutMs: 0 }, EMPTY);
    head = { service, bytes: writer.toBuffer(), state: writer.state(), frame };
    if (byName.size >= MAX_HEADS) byName.clear();
    byName.set(key, head);
  }
  return head;
}

/** The SofaRequest (made once per method) and the arguments continuing its Hessian stream, in one buffer. */
function request(call: BridgeCall, id: bigint): BoltFrame {
  const dialect = call.hessian ?? 'legacy';
  const head = headOf(call, dialect);
  const template = head.frame;
  const sink = new ByteSink(template.rest.length + head.bytes.length + argumentBytesGuess(call.args));
  sink.raw(template.rest);
  const contentStart = sink.length;
  sink.raw(head.bytes);
  if (!writeTableFreeValues(sink, call.args, dialect === 'legacy')) {
    const writer = new JavaHessianWriter({ dialect, sink, continueFrom: head.state });
    for (const arg of call.args) writer.write(arg);
  }
  return withContent(template, Number(BigInt.asIntN(32, id)), Math.max(1, Math.floor(call.timeoutMs)), sink.written(), sink.length - contentStart);
}

const EMPTY = Buffer.alloc(0);

/**
 * The method's frame (built once by requestFrame, so its fixed part and header map are
 * Bolt's) with this call's id, timeout and content: `rest` is the frame's class name and
 * header map followed by the content, written in one buffer, so neither the header map is
 * encoded nor class, headers and content concatenated per call. A v1 request: no CRC.
 */
function withContent(template: BoltFrame, requestId: number, timeout: number, rest: Buffer, contentLen: number): BoltFrame {
  const layout = layoutFor(template.proto, template.type);
  const fixed = Buffer.from(template.head);
  fixed.writeInt32BE(requestId, layout.idAt);
  fixed.writeInt32BE(timeout, layout.timeoutOrStatusAt);
  fixed.writeInt32BE(contentLen, layout.contentLenAt);
  return { ...template, requestId, timeout, contentLen, head: fixed, rest };
}

const BY_CODE: Partial<Record<Code, Reason>> = {
  [Code.DEADLINE_EXCEEDED]: 'PMESH_UPSTREAM_TIMEOUT',
  [Code.UNAVAILABLE]: 'PMESH_UPSTREAM_CONNECTION_LOST',
  [Code.RESOURCE_EXHAUSTED]: 'PMESH_OVERLOADED',
};

function result(reply: BoltFrame, returnType: JavaType | undefined, catalog: TypeCatalog): BridgeResult {
  if (reply.status !== 0) {
    const reason = BY_CODE[codeForStatus(reply.status)] ?? 'PMESH_UPSTREAM_BAD_RESPONSE';
    return { kind: 'error', error: new MeshError(reason, `sofarpc: server answered ${statusName(reply.status)}`) };
  }
  const response = decodeSofaResponse(frameContent(reply));
  if (response.isError) {
    return { kind: 'error', error: new MeshError('PMESH_UPSTREAM_BAD_RESPONSE', `sofarpc: ${response.errorMsg ?? 'server error'}`) };
  }
  if (reply.headers.get(HEAD_RESPONSE_ERROR) === 'true') {
    const value = toJavaValue(response.appResponse as HessianValue, undefined, catalog);
    const className = value !== null && value.kind === 'object' ? value.className : 'java.lang.Throwable';
    return { kind: 'exception', className, message: throwableMessage(value), value };
  }
  return { kind: 'value', value: toJavaValue(response.appResponse as HessianValue, returnType, catalog) };
}

/**
 * What Java SOFARPC writes before the value of a normal return (legacy dialect): the
 * SofaResponse class definition, the instance, isError false, errorMsg null. The value
 * follows, then responseProps null (golden v1-echo-response.bin).
 */
const JAVA_RETURN_PREFIX = (() => {
  const nullValue = encodeSofaResponse(Buffer.of(0x4e));
  return nullValue.subarray(0, nullValue.length - 2);
})();
const NULL = 0x4e;

/** A returned string as JSON text, when the SofaResponse is laid out as Java writes a normal return. */
function answerJson(reply: BoltFrame): Buffer | undefined {
  if (reply.status !== 0 || knownHeaders(reply).responseError === 'true') return undefined;
  const content = frameContent(reply);
  const prefix = JAVA_RETURN_PREFIX.length;
  if (content.length <= prefix || content[content.length - 1] !== NULL || content.compare(JAVA_RETURN_PREFIX, 0, prefix, 0, prefix) !== 0) return undefined;
  return stringValueAsJson(content, prefix, content.length - 1, 'legacy');
}

function readRequest(frame: BoltFrame, catalog: TypeCatalog): BridgeCall {
  const body = decodeSofaRequest(frameContent(frame));
  const paramTypes = body.methodArgSigs.map((sig) => parseJavaType(sig));
  const attachments: Record<string, string> = {};
  for (const [key, value] of body.requestProps ?? []) if (typeof key === 'string' && typeof value === 'string') attachments[key] = value;
  return {
    service: parseServiceUniqueName(body.targetServiceUniqueName),
    method: body.methodName,
    paramTypes,
    args: body.args.map((arg, i) => toJavaValue(arg, paramTypes[i], catalog)),
    attachments,
    timeoutMs: frame.timeout > 0 ? frame.timeout : 0,
  };
}

function reply(request: BoltFrame, outcome: BridgeOutcome): BoltFrame {
  const encode = (value: JavaValue): Buffer => encodeJavaValues([value], { dialect: 'legacy', continueFrom: SOFA_RESPONSE_STATE });
  if (outcome.kind === 'exception') return buildResponse(request.requestId, { kind: 'exception', exception: encode(runtimeException(outcome.message, outcome.className)) });
  return buildResponse(request.requestId, outcome.value === null ? { kind: 'null' } : { kind: 'value', value: encode(outcome.value) });
}

export const boltBridge: BridgeCodec<BoltFrame> = { request, result, answerJson, readRequest, reply };
