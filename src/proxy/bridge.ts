/**
 * The protocol bridge (docs/architecture.md): a call bringing JSON arguments (its
 * protocol plug-in declares `bridge.jsonEntry`: HTTP/JSON, the gRPC Invoke API) routed
 * to a cluster whose plug-in takes typed arguments (`bridge.typed`: Dubbo, SOFARPC) is
 * turned into a typed call for that cluster's codec, and the reply back into JSON; to a
 * cluster whose servers take JSON themselves (`bridge.jsonCall`: Triple) it goes as that
 * protocol's JSON call (bridge-json-call.ts). Pass-through calls (same protocol both
 * sides) go by untouched.
 *
 *   200 {the return value as JSON}      longs beyond 2^53 as {"$type":"long","$value":"..."}
 *   500 {"exception": class, "message": ...}   the Java service threw
 *   4xx/5xx {"error": reason, ...}      a mesh error (the listener writes those)
 *
 * MessagePack bodies (Content-Type / Accept application/msgpack) read and write the same
 * values: bridge-format.ts.
 */
import {
  MeshError,
  NOOP_METRICS,
  untilCancelled,
  type Invocation,
  type MeshMetrics,
  type Result,
  type ServiceKey,
} from '../core/index.js';
import {
  ClassPolicy,
  EMPTY_CATALOG,
  argumentsFromJson,
  checkTypeAllowed,
  fromJson,
  javaTypeName,
  jv,
  stringifyJson,
  toBinaryTree,
  toJson,
  ungeneralize,
  type BridgeCall,
  type MethodSignature,
  type TypeCatalog,
} from '../bridge/index.js';
import { parseJavaType, type JavaType } from '../bridge/java-types.js';
import { getProtocol, type AnyProtocol } from '../codecs/index.js';
import type { Cluster } from './cluster.js';
import type { CallContext, Filter, Handler } from './filter.js';
import { typesFor, type CallTypes } from '../bridge/types-for.js';
import { bufferedArguments, checkDeclaredSize, readArguments, type BodyLimits } from './bridge-body.js';
import { checkBridgeEntry, checkKnownMethod, isGenericInvoke } from './bridge-entry.js';
import { errorForCaller, firstLine, isUnknownServiceAnswer } from './bridge-errors.js';
import { msgpackResult, wantsMsgpack } from './bridge-format.js';
import { bridgeJsonCall } from './bridge-json-call.js';
import { jsonBytesResult } from './bridge-answer.js';
import { EMPTY_BODY, outgoingInvocation } from './bridge-invocation.js';

/** A service's types as its registry reports them (Dubbo's metadata report). */
export interface ReportedTypes {
  readonly signatures: readonly MethodSignature[];
  readonly catalog: TypeCatalog;
  /** The allow list with the reported classes added. */
  readonly policy: ClassPolicy;
}

export interface BridgeOptions {
  readonly policy: ClassPolicy;
  readonly catalog: TypeCatalog;
  /** Known signatures of a service's methods (configured for its interface, or published for its interface, version and group), if any. */
  readonly signatures: (service: ServiceKey) => readonly MethodSignature[] | undefined;
  /** The allow list for a service's values: `policy` plus the classes its known signatures name. */
  readonly policyFor?: (service: ServiceKey) => ClassPolicy;
  /** Asked when `signatures` knows nothing of a service: what the registry reports, if anything. */
  readonly reportedTypes?: (service: ServiceKey) => Promise<ReportedTypes | undefined>;
  /** Body limits (bridge.maxBodyBytes, maxJsonValues, maxJsonDepth), checked before and while reading. */
  readonly body: BodyLimits;
  /** Largest frame the bridge may build (defaults.maxFrameBytes): a larger one is refused, never sent. */
  readonly maxFrameBytes: number;
  /** The service keys (interface:version:group) the registry has providers for; asked when a provider has no such key. */
  readonly knownServices?: (service: string) => Promise<readonly string[]>;
  /** Callers may call Dubbo's `$invoke` / `$invokeAsync` themselves (bridge.allowGenericInvoke). */
  readonly allowGenericInvoke: boolean;
}

export const DEFAULT_BRIDGE: BridgeOptions = {
  policy: new ClassPolicy(),
  catalog: EMPTY_CATALOG,
  signatures: () => undefined,
  body: { maxBytes: 8 * 1024 * 1024, maxValues: 100_000, maxDepth: 64 },
  maxFrameBytes: 8 * 1024 * 1024,
  allowGenericInvoke: false,
};


export function bridgeStep(cluster: (name: string) => Cluster | undefined, options: BridgeOptions = DEFAULT_BRIDGE, metrics: MeshMetrics = NOOP_METRICS): Filter {
  return (next) => passUnlessJson(next, cluster, async (invocation, ctx, entry) => {
    const target = cluster(ctx.cluster ?? '');
    if (!target || target.protocol === invocation.protocol) return next(invocation, ctx);
    const plugin = getProtocol(target.protocol);
    if (invocation.body.kind === 'stream' && !entry.bridge.jsonEntry.streamedArguments) {
      // A protocol on the same wire (Triple is gRPC with Dubbo's headers) takes the call as it is.
      if (entry.client.transport === 'node:http2' && plugin?.client.transport === 'node:http2') return next(invocation, ctx);
      throw new MeshError('PMESH_BAD_REQUEST', `cluster "${target.name}" speaks ${target.protocol}: a ${entry.label} call passes through to ${entry.label} clusters only`);
    }
    if (plugin?.bridge.jsonCall) {
      const jsonTarget = { protocol: plugin.name, codec: plugin.bridge.jsonCall, httpMethod: entry.bridge.jsonEntry.method };
      return bridgeJsonCall(invocation, ctx, next, jsonTarget, options, metrics);
    }
    const typed = plugin?.bridge.typed;
    if (!plugin || !typed) {
      throw new MeshError('PMESH_BAD_REQUEST', `cluster "${target.name}" speaks ${target.protocol}, which the bridge cannot call from HTTP/JSON`);
    }
    const attachments = checkBridgeEntry(invocation, entry.bridge.jsonEntry.method, options.allowGenericInvoke);
    const onLimit = (limit: string): void => metrics.limitExceeded(limit);
    checkDeclaredSize(invocation, options.body.maxBytes, onLimit);
    // Each await costs a promise and a turn of the microtask queue: taken only when there is something to wait for.
    const known = options.signatures(invocation.service);
    // The registry's answers are awaited under the call's cancel: its deadline aborts it (filters/timeout.ts), and nothing else races them.
    const effective = known || !options.reportedTypes ? options : await untilCancelled(withReportedTypes(invocation, options), ctx.cancel);
    checkKnownMethod(invocation, known ?? effective.signatures(invocation.service));
    const args = bufferedArguments(invocation, options.body, onLimit) ?? (await readArguments(invocation, options.body, ctx.cancel, onLimit));
    const call = (plugin.bridge.callerGenericInvoke && isGenericInvoke(invocation.method) ? callerGenericCall(invocation, args, attachments, effective) : undefined)
      ?? typedCall(invocation, args, attachments, effective)
      ?? (plugin.bridge.genericCall ? genericCall(invocation, args, attachments, effective) : undefined);
    if (!call) throw untypedError(invocation, args, effective);
    // Named field by field, not spread (bridge-invocation.ts says why).
    const frame = typed.request(
      { service: invocation.service, method: call.method, paramTypes: call.paramTypes, args: call.args, attachments: call.attachments, timeoutMs: remaining(ctx), hessian: target.sofaHessian },
      0n,
    );
    checkFrameSize(plugin, frame, options.maxFrameBytes, metrics);
    const types = { returns: call.returns };
    const reply = await next(outgoingInvocation(invocation, { protocol: plugin.name, frame, body: EMPTY_BODY, deadline: invocation.deadline }), ctx);
    if (reply.frame === undefined) return reply;
    const direct = typed.answerJson && !call.generic && answersAsText(call.returns) && !wantsMsgpack(invocation) ? typed.answerJson(reply.frame) : undefined;
    if (direct !== undefined) return jsonBytesResult(200, 'ok', direct);
    const result = typed.result(reply.frame, types.returns, effective.catalog);
    if (result.kind === 'error') {
      const knownKeys = isUnknownServiceAnswer(result.error) ? await untilCancelled(knownServiceKeys(invocation, target, options), ctx.cancel) : [];
      throw errorForCaller(result.error, { invocation, paramTypes: call.paramTypes.map(javaTypeName), knownKeys, log: ctx.log });
    }
    if (result.kind === 'exception') {
      if (result.message.includes('\n')) ctx.log.debug({ exception: result.className, err: result.message }, 'provider exception, whole text');
      const thrown = { exception: result.className, message: firstLine(result.message) };
      return wantsMsgpack(invocation) ? msgpackResult(500, 'exception', thrown) : jsonResult(500, 'exception', thrown);
    }
    // A generic call's answer is generalized (POJOs as maps with a "class" key): un-generalized, it reads as a typed call's.
    const value = call.generic ? ungeneralize(result.value) : result.value;
    if (wantsMsgpack(invocation)) return msgpackResult(200, 'ok', toBinaryTree(value));
    const style = invocation.attachments['x-pmesh-json'] === 'typed' ? 'typed' : 'plain';
    return jsonResult(200, 'ok', toJson(value, { style, bigLongs: 'wrapper' }));
  });
}

/**
 * Calls with no JSON arguments (Bolt, Dubbo pass-through) go straight to `next`, before
 * any cluster lookup and without an async function's promise of their own; so do calls of
 * a protocol with a JSON entry to a cluster of the same protocol (gRPC pass-through).
 */
type JsonEntryProtocol = AnyProtocol & { readonly bridge: { readonly jsonEntry: NonNullable<AnyProtocol['bridge']['jsonEntry']> } };

function passUnlessJson(
  next: Handler,
  cluster: (name: string) => Cluster | undefined,
  bridged: (invocation: Invocation, ctx: CallContext, entry: JsonEntryProtocol) => Promise<Result>,
): Handler {
  return (invocation, ctx) => {
    const entry = getProtocol(invocation.protocol);
    if (!entry?.bridge.jsonEntry || cluster(ctx.cluster ?? '')?.protocol === invocation.protocol) return next(invocation, ctx);
    return bridged(invocation, ctx, entry as JsonEntryProtocol);
  };
}

/** Return types whose JSON a codec may write straight from a returned string's bytes (answerJson): the string as it is. */
const TEXT_RETURNS = new Set(['java.lang.String', 'java.lang.Object', 'java.lang.CharSequence']);

function answersAsText(returns: JavaType | undefined): boolean {
  return returns === undefined || (returns.sort === 'class' && TEXT_RETURNS.has(returns.name));
}

/** The options for this call, with the registry's reported types when nothing else knows the service. */
async function withReportedTypes(invocation: Invocation, options: BridgeOptions): Promise<BridgeOptions> {
  if (options.signatures(invocation.service) || !options.reportedTypes) return options;
  const reported = await options.reportedTypes(invocation.service);
  if (!reported) return options;
  return { ...options, policy: reported.policy, catalog: reported.catalog, signatures: () => reported.signatures };
}

/** The registry's keys of the service, and the cluster's own when the config names one. */
async function knownServiceKeys(invocation: Invocation, target: Cluster, options: BridgeOptions): Promise<string[]> {
  const fromRegistry = (await options.knownServices?.(invocation.service.interface)) ?? [];
  const fromConfig = target.service?.startsWith(invocation.service.interface) ? [target.service] : [];
  return [...new Set([...fromConfig, ...fromRegistry])];
}

type PreparedCall = Omit<BridgeCall, 'service' | 'timeoutMs'> & { readonly returns?: JavaType; readonly generic?: true };

/** The call with its Java types, or undefined when nothing says what they are. */
function typedCall(invocation: Invocation, args: unknown[], attachments: Record<string, string>, options: BridgeOptions): PreparedCall | undefined {
  let types: CallTypes;
  try {
    types = typesFor(invocation.method, args, invocation.attachments, options.signatures(invocation.service), options.policy, options.catalog);
  } catch (error) {
    if (MeshError.is(error) && error.reason === 'PMESH_BAD_REQUEST' && UNTYPED.test(error.message)) return undefined;
    throw error;
  }
  checkTypesAllowed(types.params, options.policy);
  const values = argumentsFromJson(args, types.params, convertOptions(options));
  return { method: invocation.method, paramTypes: types.params, args: values, attachments, returns: types.returns };
}

/**
 * Parameter lists that passed a policy: the same list (a signature's, or one inferred
 * pattern's) is checked once per policy object, not on every call.
 */
const allowedLists = new WeakMap<readonly JavaType[], ClassPolicy>();

function checkTypesAllowed(params: readonly JavaType[], policy: ClassPolicy): void {
  if (allowedLists.get(params) === policy) return;
  for (const type of params) checkTypeAllowed(type, policy);
  allowedLists.set(params, policy);
}

/** What typesFor says when the arguments alone cannot tell their Java types. */
const UNTYPED = /declare the parameter types/;

function untypedError(invocation: Invocation, args: unknown[], options: BridgeOptions): MeshError {
  try {
    typesFor(invocation.method, args, invocation.attachments, undefined, options.policy, options.catalog);
  } catch (error) {
    return MeshError.from(error, 'PMESH_BAD_REQUEST');
  }
  return new MeshError('PMESH_BAD_REQUEST', `the parameter types of ${invocation.method} are unknown`);
}

/**
 * Dubbo's generic call when no types are known: `$invoke(method, null, args)`. The
 * provider finds the method by its name (it must not be overloaded) and converts the
 * arguments to its parameter types itself (GenericFilter, PojoUtils.realize); maps stand
 * for POJOs. The answer comes back generalized (POJOs as maps), undone before it is JSON.
 */
function genericCall(invocation: Invocation, args: unknown[], attachments: Record<string, string>, options: BridgeOptions): PreparedCall {
  const values = args.map((arg) => fromJson(arg, undefined, convertOptions(options)));
  return {
    method: '$invoke',
    paramTypes: GENERIC_PARAMS,
    args: [jv.string(invocation.method), null, jv.array('java.lang.Object', values)],
    attachments: { ...attachments, generic: 'true' },
    generic: true,
  };
}

/**
 * A caller's own `$invoke(method, types, args)`, where bridge.allowGenericInvoke lets it
 * through: always in Dubbo's default generic mode (`generic: true`, PojoUtils), which the
 * mesh sets; the caller cannot choose another (`generic` is a mesh-owned attachment).
 */
function callerGenericCall(invocation: Invocation, args: unknown[], attachments: Record<string, string>, options: BridgeOptions): PreparedCall {
  return {
    method: invocation.method,
    paramTypes: GENERIC_PARAMS,
    args: argumentsFromJson(args, GENERIC_PARAMS, convertOptions(options)),
    attachments: { ...attachments, generic: 'true' },
  };
}

function convertOptions(options: BridgeOptions): { policy: ClassPolicy; catalog: TypeCatalog; maxDepth: number; maxNodes: number } {
  return { policy: options.policy, catalog: options.catalog, maxDepth: options.body.maxDepth, maxNodes: options.body.maxValues };
}

/** A frame the bridge built past the frame limit is refused here: the provider would drop the connection for it. */
function checkFrameSize(plugin: AnyProtocol, frame: unknown, maxFrameBytes: number, metrics: MeshMetrics): void {
  if (plugin.client.transport !== 'framed') return;
  const size = (plugin.client.codec.encode(frame) as Buffer[]).reduce((sum: number, part: Buffer) => sum + part.length, 0);
  if (size <= maxFrameBytes) return;
  metrics.limitExceeded('max_frame_bytes');
  throw new MeshError('PMESH_BODY_TOO_LARGE', `the ${plugin.name} frame for this call would be ${size} bytes, over the limit of ${maxFrameBytes} bytes (defaults.maxFrameBytes)`, {
    details: { limit: 'max_frame_bytes' },
  });
}

const GENERIC_PARAMS = ['java.lang.String', 'java.lang.String[]', 'java.lang.Object[]'].map((name) => parseJavaType(name));

function remaining(ctx: CallContext): number {
  return ctx.deadline === undefined ? 15_000 : Math.max(1, ctx.deadline - performance.now());
}

function jsonResult(status: number, outcome: Result['status'], body: unknown): Result {
  const bytes = Buffer.from(typeof body === 'object' && body !== null && !Array.isArray(body) && 'exception' in body ? JSON.stringify(body) : stringifyJson(body as never));
  return jsonBytesResult(status, outcome, bytes);
}
