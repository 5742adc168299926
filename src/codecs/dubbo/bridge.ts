/**
 * Dubbo's bridge half: a request made from typed values the way a Java consumer makes
 * it (DubboCodec.encodeRequestData: version, path, version, method, descriptor, the
 * arguments in one Hessian2 stream, then the attachments), and a reply read back into
 * typed values.
 */
import { throwableMessage, type BridgeCall, type BridgeCodec, type BridgeResult } from '../../core/bridge.js';
import { jvmDescriptor, type JavaType } from '../../core/java-types.js';
import type { TypeCatalog } from '../../core/schema.js';
import { decodeJavaValues, encodeJavaValues } from '../hessian/java-values.js';
import { buildRequest } from './build.js';
import { hessianString } from './hessian-out.js';
import { errorMessageOf, readResponseBody } from './invocation.js';
import { DUBBO_PROTOCOL_VERSION, Status, statusOf, type DubboFrame } from './layout.js';
import { errorForStatus } from './status.js';

function request(call: BridgeCall, id: bigint): DubboFrame {
  const version = call.service.version ?? '0.0.0';
  const descriptor = call.paramTypes.map(jvmDescriptor).join('');
  // The arguments continue the body's Hessian stream; Java chunks binaries by stream offset.
  const headLength = [DUBBO_PROTOCOL_VERSION, call.service.interface, version, call.method, descriptor].reduce(
    (sum, text) => sum + hessianString(text).length,
    0,
  );
  const args = encodeJavaValues(call.args, { dialect: 'final', continueFrom: { classes: [], refCount: 0, types: [], byteOffset: headLength } });
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

export const dubboBridge: BridgeCodec<DubboFrame> = { request, result };

