/**
 * The protocol bridge (DESIGN.md job 2): an HTTP/JSON call routed to a Dubbo or
 * SOFARPC cluster is turned into a typed call for that cluster's codec, and the reply
 * back into JSON. Pass-through calls (same protocol both sides) go by untouched.
 *
 *   200 {the return value as JSON}      longs beyond 2^53 as {"$type":"long","$value":"..."}
 *   500 {"exception": class, "message": ...}   the Java service threw
 *   4xx/5xx {"error": reason, ...}      a mesh error (the listener writes those)
 */
import {
  ClassPolicy,
  EMPTY_CATALOG,
  MeshError,
  argumentsFromJson,
  checkTypeAllowed,
  fromJson,
  jv,
  stringifyJson,
  toJson,
  type BridgeCall,
  type Invocation,
  type MethodSignature,
  type Result,
  type ServiceKey,
  type TypeCatalog,
} from '../core/index.js';
import { parseJavaType, type JavaType } from '../core/java-types.js';
import { isSafeNumber, parse as parseLossless } from 'lossless-json';
import { getCodec } from '../codecs/index.js';
import type { Cluster } from './cluster.js';
import type { CallContext, Filter } from './filter.js';
import { typesFor, type CallTypes } from './bridge-types.js';

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
  /** Known signatures of a service's methods (configured or published), if any. */
  readonly signatures: (service: string) => readonly MethodSignature[] | undefined;
  /** Asked when `signatures` knows nothing of a service: what the registry reports, if anything. */
  readonly reportedTypes?: (service: ServiceKey) => Promise<ReportedTypes | undefined>;
  readonly maxBodyBytes: number;
  readonly maxDepth: number;
}

export const DEFAULT_BRIDGE: BridgeOptions = {
  policy: new ClassPolicy(),
  catalog: EMPTY_CATALOG,
  signatures: () => undefined,
  maxBodyBytes: 8 * 1024 * 1024,
  maxDepth: 64,
};

const ATTACHMENT_PREFIX = 'x-pmesh-attachment-';
/** Entries whose calls carry JSON arguments: HTTP/JSON and the gRPC Invoke API. */
const JSON_ENTRIES = new Set(['http1', 'grpc']);
const JSON_HEADERS = ['content-type', 'application/json'] as const;

export function bridgeStep(cluster: (name: string) => Cluster | undefined, options: BridgeOptions = DEFAULT_BRIDGE): Filter {
  return (next) => async (invocation, ctx) => {
    // Pass-through calls (Bolt, Dubbo) leave at the first test, before any lookup.
    if (!JSON_ENTRIES.has(invocation.protocol)) return next(invocation, ctx);
    const target = cluster(ctx.cluster ?? '');
    if (!target || target.protocol === invocation.protocol) return next(invocation, ctx);
    if (invocation.body.kind === 'stream' && invocation.protocol === 'grpc') {
      throw new MeshError('PMESH_BAD_REQUEST', `cluster "${target.name}" speaks ${target.protocol}: a gRPC call passes through to gRPC clusters only`);
    }
    const codec = getCodec(target.protocol);
    if (!codec?.bridge) {
      throw new MeshError('PMESH_BAD_REQUEST', `cluster "${target.name}" speaks ${target.protocol}, which the bridge cannot call from HTTP/JSON`);
    }
    const args = await readArguments(invocation, options.maxBodyBytes);
    const effective = await withReportedTypes(invocation, options);
    const call = typedCall(invocation, args, effective) ?? (codec.name === 'dubbo' ? genericCall(invocation, args, effective) : undefined);
    if (!call) throw untypedError(invocation, args, effective);
    const frame = codec.bridge.request({ ...call, service: invocation.service, timeoutMs: remaining(ctx) }, 0n);
    const types = { returns: call.returns };
    const reply = await next({ ...invocation, protocol: codec.name, frame, oneway: false, body: { kind: 'empty' } }, ctx);
    if (reply.frame === undefined) return reply;
    const result = codec.bridge.result(reply.frame, types.returns, effective.catalog);
    if (result.kind === 'error') throw result.error;
    if (result.kind === 'exception') return jsonResult(500, 'exception', { exception: result.className, message: result.message });
    const style = invocation.attachments['x-pmesh-json'] === 'typed' ? 'typed' : 'plain';
    return jsonResult(200, 'ok', toJson(result.value, { style, bigLongs: 'wrapper' }));
  };
}

/** The options for this call, with the registry's reported types when nothing else knows the service. */
async function withReportedTypes(invocation: Invocation, options: BridgeOptions): Promise<BridgeOptions> {
  if (options.signatures(invocation.service.interface) || !options.reportedTypes) return options;
  const reported = await options.reportedTypes(invocation.service);
  if (!reported) return options;
  return { ...options, policy: reported.policy, catalog: reported.catalog, signatures: () => reported.signatures };
}

type PreparedCall = Omit<BridgeCall, 'service' | 'timeoutMs'> & { readonly returns?: JavaType };

/** The call with its Java types, or undefined when nothing says what they are. */
function typedCall(invocation: Invocation, args: unknown[], options: BridgeOptions): PreparedCall | undefined {
  let types: CallTypes;
  try {
    types = typesFor(invocation.method, args, invocation.attachments, options.signatures(invocation.service.interface), options.policy, options.catalog);
  } catch (error) {
    if (MeshError.is(error) && error.reason === 'PMESH_BAD_REQUEST' && UNTYPED.test(error.message)) return undefined;
    throw error;
  }
  for (const type of types.params) checkTypeAllowed(type, options.policy);
  const values = argumentsFromJson(args, types.params, { policy: options.policy, catalog: options.catalog, maxDepth: options.maxDepth });
  return { method: invocation.method, paramTypes: types.params, args: values, attachments: attachmentsOf(invocation), returns: types.returns };
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
 * for POJOs. The answer comes back generalized (POJOs as maps).
 */
function genericCall(invocation: Invocation, args: unknown[], options: BridgeOptions): PreparedCall {
  const values = args.map((arg) => fromJson(arg, undefined, { policy: options.policy, catalog: options.catalog, maxDepth: options.maxDepth }));
  return {
    method: '$invoke',
    paramTypes: GENERIC_PARAMS,
    args: [jv.string(invocation.method), null, jv.array('java.lang.Object', values)],
    attachments: { ...attachmentsOf(invocation), generic: 'true' },
  };
}

const GENERIC_PARAMS = ['java.lang.String', 'java.lang.String[]', 'java.lang.Object[]'].map((name) => parseJavaType(name));

function remaining(ctx: CallContext): number {
  return ctx.deadline === undefined ? 15_000 : Math.max(1, ctx.deadline - performance.now());
}

/** `x-pmesh-attachment-foo: bar` -> `foo: bar`, passed to the service. */
function attachmentsOf(invocation: Invocation): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(invocation.attachments)) {
    if (name.startsWith(ATTACHMENT_PREFIX)) out[name.slice(ATTACHMENT_PREFIX.length)] = value;
  }
  return out;
}

async function readArguments(invocation: Invocation, maxBytes: number): Promise<unknown[]> {
  let text = '';
  if (invocation.body.kind === 'stream') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of invocation.body.stream) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) throw new MeshError('PMESH_BODY_TOO_LARGE', `a bridged call's JSON body exceeds ${maxBytes} bytes`);
      chunks.push(chunk as Buffer);
    }
    text = Buffer.concat(chunks).toString('utf8');
  } else if (invocation.body.kind === 'raw') {
    text = invocation.body.bytes.toString('utf8');
  }
  if (text.trim() === '') return [];
  let json: unknown;
  try {
    // Integers JSON.parse would round (beyond 2^53) stay exact as bigint for longs.
    json = parseLossless(text, null, (digits) => (isSafeNumber(digits) ? Number(digits) : /^-?\d+$/.test(digits) ? BigInt(digits) : Number(digits)));
  } catch (error) {
    throw new MeshError('PMESH_BAD_REQUEST', `the body is not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(json)) throw new MeshError('PMESH_BAD_REQUEST', 'the body must be a JSON array of the arguments');
  return json;
}

function jsonResult(status: number, outcome: Result['status'], body: unknown): Result {
  const bytes = Buffer.from(typeof body === 'object' && body !== null && !Array.isArray(body) && 'exception' in body ? JSON.stringify(body) : stringifyJson(body as never));
  return {
    status: outcome,
    protocolStatus: status,
    attachments: {},
    rawHeaders: [...JSON_HEADERS, 'content-length', String(bytes.length)],
    body: { kind: 'raw', serialization: 0, bytes },
  };
}
