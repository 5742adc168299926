/**
 * The bridge to a protocol whose servers take JSON themselves (Triple: Dubbo 3.3 converts
 * JSON arguments to the Java method's parameter types on the provider). An HTTP/JSON or
 * gRPC `Invoke` call is read and checked as every bridged call is (entry checks, body
 * limits, known methods), then sent as JSON in the protocol's own JSON call
 * (src/core/stream-protocol.ts, JsonCallCodec); no Java types are needed on the mesh's
 * side, and the answer's JSON is passed back as the provider wrote it.
 */
import { MeshError, type Invocation, type JsonCallCodec, type MeshMetrics, type Result, type ServiceKey } from '../core/index.js';
import { stringifyJson, type JsonValue, type MethodSignature } from '../bridge/index.js';
import { checkDeclaredSize, readArguments, type BodyLimits } from './bridge-body.js';
import { checkBridgeEntry, checkKnownMethod } from './bridge-entry.js';
import type { CallContext, Handler } from './filter.js';
import { jsonBytesResult, readAnswerText } from './bridge-answer.js';
import { outgoingInvocation } from './bridge-invocation.js';

/** The budget of a call with no deadline of its own, as for every bridged call. */
const DEFAULT_BUDGET_MS = 15_000;

/** What of the bridge's options a JSON call uses. */
export interface JsonCallOptions {
  readonly body: BodyLimits;
  readonly maxFrameBytes: number;
  readonly signatures: (service: ServiceKey) => readonly MethodSignature[] | undefined;
}

export interface JsonCallTarget {
  /** The protocol the call goes out in (the cluster's). */
  readonly protocol: string;
  readonly codec: JsonCallCodec;
  /** The HTTP method a bridged call must use, where the entry has one (HTTP/1: POST). */
  readonly httpMethod?: string;
}

export async function bridgeJsonCall(
  invocation: Invocation,
  ctx: CallContext,
  next: Handler,
  target: JsonCallTarget,
  options: JsonCallOptions,
  metrics: MeshMetrics,
): Promise<Result> {
  const attachments = checkBridgeEntry(invocation, target.httpMethod, false);
  const onLimit = (limit: string): void => metrics.limitExceeded(limit);
  checkDeclaredSize(invocation, options.body.maxBytes, onLimit);
  checkKnownMethod(invocation, options.signatures(invocation.service));
  const args = await readArguments(invocation, options.body, ctx.cancel, onLimit);
  const values = args as JsonValue[];
  const body = Buffer.from(stringifyJson(target.codec.argumentsAs === 'bare-when-one' && values.length === 1 ? values[0]! : values));
  if (body.length > options.maxFrameBytes) {
    metrics.limitExceeded('max_frame_bytes');
    throw new MeshError('PMESH_BODY_TOO_LARGE', `the ${target.protocol} call would carry ${body.length} bytes of arguments, over the limit of ${options.maxFrameBytes} bytes (defaults.maxFrameBytes)`, {
      details: { limit: 'max_frame_bytes' },
    });
  }
  const deadline = invocation.deadline ?? ctx.deadline ?? performance.now() + DEFAULT_BUDGET_MS;
  const head = target.codec.requestHead(invocation.service, invocation.method, attachments);
  const reply = await next(
    outgoingInvocation(invocation, { protocol: target.protocol, deadline, frame: { headers: head }, body: { kind: 'raw', serialization: 0, bytes: body } }),
    ctx,
  );
  const text = await readAnswerText(reply, { maxBytes: options.body.maxBytes, what: "the provider's answer", field: 'bridge.maxBodyBytes', onLimit });
  const outcome = target.codec.reply(reply.protocolStatus, text, invocation.service, invocation.method);
  if (outcome.kind === 'error') throw outcome.error;
  if (outcome.kind === 'exception') return jsonBytesResult(500, 'exception', Buffer.from(JSON.stringify({ exception: outcome.className, message: outcome.message })));
  return jsonBytesResult(200, 'ok', Buffer.from(outcome.json));
}

