/**
 * The bridge to a protocol whose servers take JSON themselves (Triple: Dubbo 3.3 converts
 * JSON arguments to the Java method's parameter types on the provider). An HTTP/JSON or
 * gRPC `Invoke` call is read and checked as every bridged call is (entry checks, body
 * limits, known methods), then sent as one JSON array in the protocol's own JSON call
 * (src/core/stream-protocol.ts, JsonCallCodec); no Java types are needed on the mesh's
 * side, and the answer's JSON is passed back as the provider wrote it.
 */
import { MeshError, type Invocation, type JsonCallCodec, type MeshMetrics, type Result, type ServiceKey } from '../core/index.js';
import { stringifyJson, type JsonValue, type MethodSignature } from '../bridge/index.js';
import { checkDeclaredSize, readArguments, type BodyLimits } from './bridge-body.js';
import { callerAttachments, checkBridgeEntry, checkKnownMethod } from './bridge-entry.js';
import type { CallContext, Handler } from './filter.js';

const JSON_HEADERS = ['content-type', 'application/json'] as const;
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
  checkBridgeEntry(invocation, target.httpMethod, false);
  const onLimit = (limit: string): void => metrics.limitExceeded(limit);
  checkDeclaredSize(invocation, options.body.maxBytes, onLimit);
  checkKnownMethod(invocation, options.signatures(invocation.service));
  const args = await readArguments(invocation, options.body, ctx.cancel, onLimit);
  const body = Buffer.from(stringifyJson(args as JsonValue[]));
  if (body.length > options.maxFrameBytes) {
    metrics.limitExceeded('max_frame_bytes');
    throw new MeshError('PMESH_BODY_TOO_LARGE', `the ${target.protocol} call would carry ${body.length} bytes of arguments, over the limit of ${options.maxFrameBytes} bytes (defaults.maxFrameBytes)`, {
      details: { limit: 'max_frame_bytes' },
    });
  }
  const deadline = invocation.deadline ?? ctx.deadline ?? performance.now() + DEFAULT_BUDGET_MS;
  const head = target.codec.requestHead(invocation.service, invocation.method, callerAttachments(invocation));
  const reply = await next(
    { ...invocation, protocol: target.protocol, deadline, frame: { headers: head }, body: { kind: 'raw', serialization: 0, bytes: body } },
    ctx,
  );
  const text = await readReply(reply, options.body.maxBytes, onLimit);
  const outcome = target.codec.reply(reply.protocolStatus, text, invocation.service, invocation.method);
  if (outcome.kind === 'error') throw outcome.error;
  if (outcome.kind === 'exception') return jsonResult(500, 'exception', Buffer.from(JSON.stringify({ exception: outcome.className, message: outcome.message })));
  return jsonResult(200, 'ok', Buffer.from(outcome.json));
}

/** The reply body as text, at most `maxBytes` (the bridge's body limit applies both ways). */
async function readReply(result: Result, maxBytes: number, onLimit: (limit: string) => void): Promise<string> {
  if (result.body.kind === 'raw') return result.body.bytes.toString('utf8');
  if (result.body.kind !== 'stream') return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of result.body.stream) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      result.body.stream.destroy();
      onLimit('bridge_max_body_bytes');
      throw new MeshError('PMESH_UPSTREAM_BAD_RESPONSE', `the provider's answer exceeds ${maxBytes} bytes (bridge.maxBodyBytes)`, { details: { limit: 'bridge_max_body_bytes' } });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

function jsonResult(status: number, outcome: Result['status'], bytes: Buffer): Result {
  return {
    status: outcome,
    protocolStatus: status,
    attachments: {},
    rawHeaders: [...JSON_HEADERS, 'content-length', String(bytes.length)],
    body: { kind: 'raw', serialization: 0, bytes },
  };
}
