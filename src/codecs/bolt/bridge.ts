/**
 * SOFARPC's bridge half: a SofaRequest made from typed values as the Java client makes
 * it (legacy Hessian dialect, the arguments continuing the request object's stream),
 * and a SofaResponse read back into typed values.
 */
import { runtimeException, throwableMessage, type BridgeCall, type BridgeCodec, type BridgeOutcome, type BridgeResult } from '../../core/bridge.js';
import type { JavaValue } from '../../core/values.js';
import { Code, MeshError, type Reason } from '../../core/errors.js';
import { javaTypeName, parseJavaType, type JavaType } from '../../core/java-types.js';
import type { TypeCatalog } from '../../core/schema.js';
import { decodeSofaRequest, decodeSofaResponse, type HessianValue } from '../hessian/index.js';
import { encodeJavaValues, toJavaValue } from '../hessian/java-values.js';
import { SOFA_RESPONSE_STATE, sofaArgumentsState } from '../hessian/rpc-streams.js';
import { buildRequest, buildResponse } from './build.js';
import { parseServiceUniqueName } from './invocation.js';
import { frameContent, type BoltFrame } from './frame.js';
import { HEAD_RESPONSE_ERROR } from './layout.js';
import { codeForStatus, statusName } from './status.js';

/** What a Java client sends as requestProps for a plain synchronous call. */
const REQUEST_PROPS: ReadonlyArray<readonly [string, string]> = [['protocol', 'bolt'], ['type', 'sync']];

function uniqueName(call: BridgeCall): string {
  const { interface: iface, version, group } = call.service;
  return [iface, version ?? '', group].filter((part) => part !== undefined).join(':').replace(/:$/, '');
}

function request(call: BridgeCall, id: bigint): BoltFrame {
  // The arguments continue the SofaRequest's stream: its class and references count.
  const args = encodeJavaValues(call.args, { dialect: 'legacy', continueFrom: sofaArgumentsState(REQUEST_PROPS) });
  return buildRequest({
    requestProps: REQUEST_PROPS,
    requestId: Number(BigInt.asIntN(32, id)),
    service: uniqueName(call),
    method: call.method,
    argSigs: call.paramTypes.map(javaTypeName),
    args,
    timeoutMs: Math.max(1, Math.floor(call.timeoutMs)),
  });
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

export const boltBridge: BridgeCodec<BoltFrame> = { request, result, readRequest, reply };
