/**
 * Dubbo's bridge half: a request made from typed values the way a Java consumer makes
 * it (DubboCodec.encodeRequestData: version, path, version, method, descriptor, the
 * arguments in one Hessian2 stream, then the attachments), and a reply read back into
 * typed values.
 */
import { runtimeException, throwableMessage, type BridgeCall, type BridgeCodec, type BridgeOutcome, type BridgeResult } from '../../bridge/bridge-codec.js';
import type { JavaValue } from '../../bridge/values.js';
import { javaTypeName, jvmDescriptor, parseJavaType, type JavaType } from '../../bridge/java-types.js';
import type { TypeCatalog } from '../../bridge/schema.js';
import { ByteSink } from '../hessian/byte-sink.js';
import { JavaHessianWriter, decodeJavaValues, encodeJavaValues } from '../hessian/java-values.js';
import { DUBBO_RESULT_STATE } from './body-streams.js';
import { parseRequestBody, rememberBuiltHead, type TimeoutEntry } from './body.js';
import { buildResponse, requestFlag, writeRequestHead } from './build.js';
import { errorMessageOf, readResponseBody } from './invocation.js';
import { DUBBO_PROTOCOL_VERSION, Status, idOf, makeFrame, statusOf, type DubboFrame } from './layout.js';
import { errorForStatus } from './status.js';

/** A request body's head strings by path, version, method and descriptor: the same for every call of a method. */
const heads = new Map<string, Buffer>();
/** Heads kept at most; past that the cache starts over (a sidecar calls far fewer methods). */
const MAX_HEADS = 4096;
/** Descriptors by parameter-type list: the bridge keeps one list per resolved method. */
const descriptors = new WeakMap<readonly JavaType[], string>();

function descriptorOf(paramTypes: readonly JavaType[]): string {
  let descriptor = descriptors.get(paramTypes);
  if (descriptor === undefined) {
    descriptor = paramTypes.map(jvmDescriptor).join('');
    descriptors.set(paramTypes, descriptor);
  }
  return descriptor;
}

function headBytes(path: string, version: string, method: string, descriptor: string): Buffer {
  const key = `${path}\u0000${version}\u0000${method}\u0000${descriptor}`;
  let bytes = heads.get(key);
  if (bytes === undefined) {
    const sink = new ByteSink();
    writeRequestHead(sink, path, version, method, descriptor);
    bytes = sink.toBuffer();
    if (heads.size >= MAX_HEADS) heads.clear();
    heads.set(key, bytes);
  }
  return bytes;
}

/**
 * One Hessian stream for the whole body, written into one buffer: the head strings (made
 * once per method), the arguments, the attachments. The head is kept on the frame, so the
 * deadline rewrite on the way out finds the `timeout` entry without parsing the body.
 */
function request(call: BridgeCall, id: bigint): DubboFrame {
  const path = call.service.interface;
  const version = call.service.version ?? '0.0.0';
  const descriptor = descriptorOf(call.paramTypes);
  const head = headBytes(path, version, call.method, descriptor);
  const sink = new ByteSink(head.length + 1024);
  sink.raw(head);
  // floatFieldsFirst: hessian-lite 4.0.4 stores a float field's value in 8 bytes, clobbering
  // the fields it read before it; writing floats first keeps those (the float itself Dubbo loses).
  // The arguments continue the head's stream: Java chunks binaries by stream offset.
  const writer = new JavaHessianWriter({ dialect: 'final', sink, floatFieldsFirst: true });
  for (const arg of call.args) writer.write(arg);
  const argsEnd = sink.length;
  const attachments = new Map<string, string>([
    ['path', path],
    ['interface', path],
    ['version', version],
  ]);
  if (call.service.group) attachments.set('group', call.service.group);
  attachments.set('timeout', String(Math.max(1, Math.floor(call.timeoutMs))));
  for (const key in call.attachments) {
    if (!attachments.has(key)) attachments.set(key, call.attachments[key] as string);
  }
  sink.byte(0x48);
  let timeoutEntry: TimeoutEntry | undefined;
  for (const [key, value] of attachments) {
    const start = sink.length;
    sink.hessianString(key, false);
    sink.hessianString(value, false);
    if (key === 'timeout') timeoutEntry = { start, end: sink.length };
  }
  const mapEnd = sink.length;
  sink.byte(0x5a);
  const frame = makeFrame(requestFlag(false), 0, id, sink.written());
  rememberBuiltHead(frame, {
    dubboVersion: DUBBO_PROTOCOL_VERSION,
    path,
    version,
    method: call.method,
    descriptor,
    argTypes: call.paramTypes.map(javaTypeName),
    argsStart: head.length,
    argsEnd,
    attachments,
    entriesStart: argsEnd + 1,
    mapEnd,
    timeoutEntry,
  });
  return frame;
}

function result(reply: DubboFrame, returnType: JavaType | undefined, catalog: TypeCatalog): BridgeResult {
  const status = statusOf(reply);
  if (status !== Status.OK) return { kind: 'error', error: errorForStatus(status, errorMessageOf(reply) ?? '(no message)') };
  const view = readResponseBody(reply);
  if (view.valueEnd === view.valueStart) return { kind: 'value', value: null };
  const bytes = reply.body.subarray(view.valueStart, view.valueEnd);
  if (view.status === 'exception') {
    const [value = null] = decodeJavaValues(bytes, 'final', [undefined], { catalog });
    const className = value !== null && value.kind === 'object' ? value.className : 'java.lang.Throwable';
    return { kind: 'exception', className, message: throwableMessage(value), value };
  }
  const [value = null] = decodeJavaValues(bytes, 'final', [returnType], { catalog });
  return { kind: 'value', value };
}



/** `$invoke(method, String[] types, Object[] args)`: the call it stands for. */
function unwrapGeneric(call: BridgeCall): BridgeCall {
  if (call.method !== '$invoke' && call.method !== '$invokeAsync') return call;
  const [method, types, args] = call.args;
  const names = types !== null && types !== undefined && (types.kind === 'array' || types.kind === 'list') ? types.items : [];
  return {
    ...call,
    method: method !== null && method !== undefined && method.kind === 'string' ? method.value : call.method,
    paramTypes: names.map((n) => parseJavaType(n !== null && n.kind === 'string' ? n.value : 'java.lang.Object')),
    args: args !== null && args !== undefined && (args.kind === 'array' || args.kind === 'list') ? args.items : [],
  };
}

function readRequest(request: DubboFrame, catalog: TypeCatalog): BridgeCall {
  const head = parseRequestBody(request.body, 64);
  const paramTypes = head.argTypes.map((name) => parseJavaType(name));
  const args = decodeJavaValues(request.body.subarray(head.argsStart, head.argsEnd), 'final', paramTypes, { catalog });
  const attachments = Object.fromEntries(head.attachments);
  const version = attachments.version ?? (head.version === '0.0.0' ? undefined : head.version);
  return unwrapGeneric({
    service: { interface: head.path, version: version || undefined, group: attachments.group || undefined },
    method: head.method,
    paramTypes,
    args,
    attachments,
    timeoutMs: Number(attachments.timeout ?? 0) || 0,
  });
}

/** A Java 3.x provider replies with the "with attachments" flags and {dubbo: version}. */
const REPLY_ATTACHMENTS: ReadonlyArray<readonly [string, string]> = [['dubbo', DUBBO_PROTOCOL_VERSION]];

function reply(request: DubboFrame, outcome: BridgeOutcome): DubboFrame {
  const id = idOf(request);
  // The value follows the one-byte result flag in the body's Hessian stream.
  const encode = (value: JavaValue): Buffer => encodeJavaValues([value], { dialect: 'final', continueFrom: DUBBO_RESULT_STATE });
  if (outcome.kind === 'exception') return buildResponse(id, { kind: 'exception', exception: encode(runtimeException(outcome.message, outcome.className)) }, REPLY_ATTACHMENTS);
  if (outcome.value === null) return buildResponse(id, { kind: 'null' }, REPLY_ATTACHMENTS);
  return buildResponse(id, { kind: 'value', value: encode(outcome.value) }, REPLY_ATTACHMENTS);
}

export const dubboBridge: BridgeCodec<DubboFrame> = { request, result, readRequest, reply };
