/**
 * The reverse bridge (issue 6.5): a Java caller's call in a protocol with typed
 * arguments (its plug-in's `bridge.typed`: Dubbo, SOFARPC) routed to a cluster whose
 * plug-in declares `bridge.jsonApp` (HTTP/1: an app with no RPC SDK) becomes
 *
 *   POST /{service}/{method}   body: the arguments as a JSON array (Java type hints where JSON is not enough)
 *
 * and the app's answer becomes the Java reply: 200 with a JSON value is the return
 * value (converted to the declared return type when the service's signatures are
 * known); any other status is an exception the Java caller sees as a
 * RuntimeException carrying the app's message.
 */
import { isSafeNumber, parse as parseLossless } from 'lossless-json';
import { MeshError, type Invocation, type Result } from '../core/index.js';
import { fromJson, stringifyJson, toJson, type JavaValue } from '../bridge/index.js';
import { parseJavaType } from '../bridge/java-types.js';
import { getCodec, getProtocol, type AnyProtocol } from '../codecs/index.js';
import type { BridgeOptions } from './bridge.js';
import type { Cluster } from './cluster.js';
import type { CallContext, Filter, Handler } from './filter.js';
import { readAnswerText } from './bridge-answer.js';

const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

export function reverseBridgeStep(cluster: (name: string) => Cluster | undefined, options: BridgeOptions): Filter {
  return (next) => (invocation, ctx) => {
    // Only a typed frame bound for a JSON app's cluster is bridged; the cluster is looked up last.
    const frame: unknown = invocation.frame;
    if (frame === undefined) return next(invocation, ctx);
    const typed = getProtocol(invocation.protocol)?.bridge.typed;
    const codec = getCodec(invocation.protocol);
    if (!typed || !codec) return next(invocation, ctx);
    const target = cluster(ctx.cluster ?? '');
    if (!target || !getProtocol(target.protocol)?.bridge.jsonApp) return next(invocation, ctx);
    // Not an async function above this line: a pass-through call costs no promise here.
    return reverseBridged(next, invocation, ctx, { frame, typed, codec, target }, options);
  };
}

type TypedCodec = NonNullable<AnyProtocol['bridge']['typed']>;
type AnyCodec = NonNullable<ReturnType<typeof getCodec>>;

async function reverseBridged(
  next: Handler,
  invocation: Invocation,
  ctx: CallContext,
  { frame, typed, codec, target }: { frame: unknown; typed: TypedCodec; codec: AnyCodec; target: Cluster },
  options: BridgeOptions,
): Promise<Result> {
  const call = typed.readRequest(frame, options.catalog);
  const body = Buffer.from(stringifyJson(call.args.map((arg) => toJson(arg, { style: 'plain', bigLongs: 'wrapper' }))));
  const headers: Record<string, string> = {
    ':path': `/${call.service.interface}/${call.method}`,
    ':method': 'POST',
    host: '127.0.0.1',
    'content-type': 'application/json',
    'content-length': String(body.length),
  };
  if (call.service.version) headers['x-pmesh-version'] = call.service.version;
  if (call.service.group) headers['x-pmesh-group'] = call.service.group;
  const answer = await next({ ...invocation, protocol: target.protocol, attachments: headers, body: { kind: 'raw', serialization: 0, bytes: body } }, ctx);
  const text = await readAnswerText(answer, { maxBytes: MAX_ANSWER_BYTES, what: "the app's answer" });
  let outcome: Parameters<typeof typed.reply>[1];
  if (answer.protocolStatus === 200) {
    const signature = options.signatures(call.service)?.find((s) => s.name === call.method && s.params.length === call.args.length);
    const returns = signature?.returns ? parseJavaType(signature.returns) : undefined;
    // A void method returns nothing, whatever the app wrote (JSON null, usually).
    const isVoid = returns?.sort === 'primitive' && returns.name === 'void';
    outcome = { kind: 'value', value: isVoid ? null : valueOf(text, returns, { ...options, policy: options.policyFor?.(call.service) ?? options.policy }) };
  } else {
    outcome = { kind: 'exception', message: messageOf(text, answer.protocolStatus) };
  }
  const reply = typed.reply(frame, outcome);
  return { ...codec.toResult(reply), frame: reply };
}

function valueOf(text: string, returns: ReturnType<typeof parseJavaType> | undefined, options: BridgeOptions): JavaValue {
  if (text.trim() === '') return null;
  let json: unknown;
  try {
    json = parseLossless(text, null, (digits) => (isSafeNumber(digits) ? Number(digits) : /^-?\d+$/.test(digits) ? BigInt(digits) : Number(digits)));
  } catch (error) {
    throw new MeshError('PMESH_UPSTREAM_BAD_RESPONSE', `the app answered something that is not JSON: ${(error as Error).message}`);
  }
  return fromJson(json, returns, { policy: options.policy, catalog: options.catalog, maxDepth: options.body.maxDepth });
}

function messageOf(text: string, status: number): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown; error?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {
    // not JSON: the text itself is the best message there is
  }
  return `the app answered HTTP ${status}${text ? `: ${text.slice(0, 500)}` : ''}`;
}


