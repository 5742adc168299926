/**
 * Dubbo's bridge half: a request made from typed values the way a Java consumer makes
 * it (DubboCodec.encodeRequestData: version, path, version, method, descriptor, the
 * arguments in one Hessian2 stream, then the attachments), and a reply read back into
 * typed values.
 */
import { runtimeException, throwableMessage, type BridgeCall, type BridgeCodec, type BridgeOutcome, type BridgeResult } from '../../bridge/bridge-codec.js';
import type { JavaValue } from '../../bridge/values.js';
import { jvmDescriptor, parseJavaType, type JavaType } from '../../bridge/java-types.js';
import type { TypeCatalog } from '../../bridge/schema.js';
import { decodeJavaValues, encodeJavaValues } from '../hessian/java-values.js';
import { DUBBO_RESULT_STATE, dubboArgumentsState } from './body-streams.js';
import { parseRequestBody } from './body.js';
import { buildRequest, buildResponse } from './build.js';
import { errorMessageOf, readResponseBody } from './invocation.js';
import { DUBBO_PROTOCOL_VERSION, Status, idOf, statusOf, type DubboFrame } from './layout.js';
import { errorForStatus } from './status.js';

function request(call: BridgeCall, id: bigint): DubboFrame {
  const version = call.service.version ?? '0.0.0';
  const descriptor = call.paramTypes.map(jvmDescriptor).join('');
  // The arguments continue the body's Hessian stream; Java chunks binaries by stream offset.
  // floatFieldsFirst: hessian-lite 4.0.4 stores a float field's value in 8 bytes, clobbering
  // the fields it read before it; writing floats first keeps those (the float itself Dubbo loses).
  const args = encodeJavaValues(call.args, {
    dialect: 'final',
    continueFrom: dubboArgumentsState(call.service.interface, version, call.method, descriptor),
    floatFieldsFirst: true,
  });
  const attachments: Array<[string, string]> = [
    ['path', call.service.interface],
    ['interface', call.service.interface],
    ['version', version],
  ];
  if (call.service.group) attachments.push(['group', call.service.group]);
  attachments.push(['timeout', String(Math.max(1, Math.floor(call.timeoutMs)))]);
  for (const [key, value] of Object.entries(call.attachments)) {
    if (!attachments.some(([name]) => name === key)) attachments.push([key, value]);
  }
  return buildRequest({ id, path: call.service.interface, version, method: call.method, descriptor, args, attachments });
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
