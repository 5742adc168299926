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
import { JavaHessianWriter, argumentBytesGuess, decodeJavaValues, encodeJavaValues, writeTableFreeValues } from '../hessian/java-values.js';
import { stringValueAsJson } from '../hessian/json-text.js';
import { DUBBO_RESULT_STATE } from './body-streams.js';
import { parseRequestBody, rememberBuiltHead, type TimeoutEntry } from './body.js';
import { buildResponse, requestFlag, writeRequestHead } from './build.js';
import { errorMessageOf, readResponseBody } from './invocation.js';
import { DUBBO_PROTOCOL_VERSION, Status, idOf, makeFrame, statusOf, type DubboFrame } from './layout.js';
import { errorForStatus } from './status.js';

/**
 * What is the same for every call of a method: the body's five head strings (protocol
 * version, path, version, method, descriptor) and the attachments the mesh writes before
 * `timeout` (path, interface, version, group), as bytes, with the names the frame keeps.
 */
interface MethodPlan {
  readonly head: Buffer;
  readonly descriptor: string;
  readonly argTypes: string[];
  /** The fixed attachment entries, Hessian key/value strings back to back, and the same as a map. */
  readonly fixedEntries: Buffer;
  readonly fixedAttachments: ReadonlyMap<string, string>;
}

/** Plans by parameter-type list (the bridge keeps one list per resolved method), then by path, version, group and method. */
const plans = new WeakMap<readonly JavaType[], Map<string, MethodPlan>>();
/** Plans kept at most per list; past that its cache starts over (a sidecar calls far fewer methods). */
const MAX_PLANS = 4096;

function planOf(call: BridgeCall): MethodPlan {
  let byName = plans.get(call.paramTypes);
  if (byName === undefined) {
    byName = new Map();
    plans.set(call.paramTypes, byName);
  }
  const { interface: path, version = '0.0.0', group } = call.service;
  const key = `${path}\u0000${version}\u0000${group ?? ''}\u0000${call.method}`;
  let plan = byName.get(key);
  if (plan === undefined) {
    plan = makePlan(path, version, group, call.method, call.paramTypes);
    if (byName.size >= MAX_PLANS) byName.clear();
    byName.set(key, plan);
  }
  return plan;
}

function makePlan(path: string, version: string, group: string | undefined, method: string, paramTypes: readonly JavaType[]): MethodPlan {
  const descriptor = paramTypes.map(jvmDescriptor).join('');
  const head = new ByteSink();
  writeRequestHead(head, path, version, method, descriptor);
  const fixedAttachments = new Map<string, string>([
    ['path', path],
    ['interface', path],
    ['version', version],
  ]);
  if (group) fixedAttachments.set('group', group);
  const entries = new ByteSink();
  for (const [key, value] of fixedAttachments) {
    entries.hessianString(key, false);
    entries.hessianString(value, false);
  }
  return { head: head.toBuffer(), descriptor, argTypes: paramTypes.map(javaTypeName), fixedEntries: entries.toBuffer(), fixedAttachments };
}

/**
 * One Hessian stream for the whole body, written into one buffer: the head strings and
 * fixed attachments (made once per method), the arguments, the timeout and the caller's
 * attachments. The head is kept on the frame, so the deadline rewrite on the way out
 * finds the `timeout` entry without parsing the body.
 */
function request(call: BridgeCall, id: bigint): DubboFrame {
  const plan = planOf(call);
  const head = plan.head;
  const sink = new ByteSink(head.length + argumentBytesGuess(call.args) + plan.fixedEntries.length + 64);
  sink.raw(head);
  if (!writeTableFreeValues(sink, call.args, false)) {
    // floatFieldsFirst: hessian-lite 4.0.4 stores a float field's value in 8 bytes, clobbering
    // the fields it read before it; writing floats first keeps those (the float itself Dubbo loses).
    // The arguments continue the head's stream: Java chunks binaries by stream offset.
    const writer = new JavaHessianWriter({ dialect: 'final', sink, floatFieldsFirst: true });
    for (const arg of call.args) writer.write(arg);
  }
  const argsEnd = sink.length;
  const attachments = new Map(plan.fixedAttachments);
  sink.byte(0x48);
  sink.raw(plan.fixedEntries);
  const timeout = String(Math.max(1, Math.floor(call.timeoutMs)));
  attachments.set('timeout', timeout);
  const timeoutStart = sink.length;
  sink.hessianString('timeout', false);
  sink.hessianString(timeout, false);
  const timeoutEntry: TimeoutEntry = { start: timeoutStart, end: sink.length };
  for (const key in call.attachments) {
    if (attachments.has(key)) continue;
    const value = call.attachments[key] as string;
    attachments.set(key, value);
    sink.hessianString(key, false);
    sink.hessianString(value, false);
  }
  const mapEnd = sink.length;
  sink.byte(0x5a);
  const frame = makeFrame(requestFlag(false), 0, id, sink.written());
  rememberBuiltHead(frame, {
    dubboVersion: DUBBO_PROTOCOL_VERSION,
    path: call.service.interface,
    version: call.service.version ?? '0.0.0',
    method: call.method,
    descriptor: plan.descriptor,
    argTypes: plan.argTypes,
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


/** A returned string as JSON text, from the value's bytes (the upstream already found where they are). */
function answerJson(reply: DubboFrame): Buffer | undefined {
  if (statusOf(reply) !== Status.OK) return undefined;
  const view = readResponseBody(reply);
  if (view.status !== 'ok') return undefined;
  return stringValueAsJson(reply.body, view.valueStart, view.valueEnd, 'final');
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

export const dubboBridge: BridgeCodec<DubboFrame> = { request, result, answerJson, readRequest, reply };
