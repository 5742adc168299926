/**
 * What the bridge checks of a call before it reads the body or builds a frame: the HTTP
 * method, the attachments a caller may set, Dubbo's generic invoke, and the method name
 * against the service's known signatures. Each refusal names what was wrong; nothing
 * refused here is sent anywhere.
 */
import { MeshError, type Invocation } from '../core/index.js';
import { type MethodSignature } from '../bridge/index.js';

export const ATTACHMENT_PREFIX = 'x-pmesh-attachment-';

/**
 * Attachments (Dubbo) and request properties (SOFARPC) the mesh writes itself. A caller
 * who could set `generic` would choose how the provider deserializes the arguments
 * (`nativejava`: CVE-2021-30179); the others address, time or type the call. Refused,
 * not dropped: a caller that meant one learns at once that it does not get through.
 * Dubbo: DubboInvoker / RpcInvocation and GenericFilter (docs/protocols.md); SOFARPC:
 * RemotingConstants HEAD_* and the requestProps a Java client sets (docs/protocols.md).
 */
const RESERVED_ATTACHMENTS = new Set([
  // Dubbo
  'generic', 'path', 'interface', 'version', 'group', 'timeout', 'dubbo', 'input', 'output',
  // SOFARPC request props and Bolt header keys
  'service', 'protocol', 'type', 'app', 'generic.revise',
]);
const RESERVED_PREFIXES = ['sofa_head_', 'rpc_trace_context'];

/** Dubbo's generic invoke methods (GenericService): the caller would pick the provider's deserialization. */
const GENERIC_METHODS = new Set(['$invoke', '$invokeAsync']);
/** With SOFARPC's `$genericInvoke` (ConsumerGenericFilter rewrites it; never on the wire): all refused from callers. */
const REFUSED_GENERIC_METHODS = new Set([...GENERIC_METHODS, '$genericInvoke']);

/** `x-pmesh-attachment-foo: bar` -> `foo: bar`; a mesh-owned name is refused with 400 naming it. */
export function callerAttachments(invocation: Invocation): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [header, value] of Object.entries(invocation.attachments)) {
    if (!header.startsWith(ATTACHMENT_PREFIX)) continue;
    const name = header.slice(ATTACHMENT_PREFIX.length);
    const lower = name.toLowerCase();
    if (RESERVED_ATTACHMENTS.has(lower) || RESERVED_PREFIXES.some((prefix) => lower.startsWith(prefix))) {
      throw new MeshError('PMESH_BAD_REQUEST', `attachment "${name}" is set by the mesh and cannot be set by a caller`, { details: { attachment: name } });
    }
    out[name] = value;
  }
  return out;
}

/** The checks made on a bridged call before its body is read. */
export function checkBridgeEntry(invocation: Invocation, allowGenericInvoke: boolean): void {
  const httpMethod = invocation.attachments[':method'];
  if (invocation.protocol === 'http1' && httpMethod !== undefined && httpMethod !== 'POST') {
    throw new MeshError('PMESH_METHOD_NOT_ALLOWED', `${httpMethod} is not allowed on a bridged call: use POST with the arguments as a JSON array`, {
      details: { allow: 'POST' },
    });
  }
  if (REFUSED_GENERIC_METHODS.has(invocation.method) && !allowGenericInvoke) {
    throw new MeshError(
      'PMESH_GENERIC_INVOKE_NOT_ALLOWED',
      `${invocation.method} (generic invoke) is not allowed from callers; call the method by its name, or set bridge.allowGenericInvoke`,
    );
  }
  callerAttachments(invocation);
}

export function isGenericInvoke(method: string): boolean {
  return GENERIC_METHODS.has(method);
}

/** A method the known signatures do not list is answered 404 naming the ones they do; unknown services pass. */
export function checkKnownMethod(invocation: Invocation, signatures: readonly MethodSignature[] | undefined): void {
  if (signatures === undefined || signatures.length === 0 || isGenericInvoke(invocation.method)) return;
  if (signatures.some((s) => s.name === invocation.method)) return;
  const known = [...new Set(signatures.map((s) => s.name))].sort();
  throw new MeshError('PMESH_UNKNOWN_METHOD', `${invocation.service.interface} has no method ${invocation.method}; its methods: ${known.join(', ')}`, {
    details: { method: invocation.method },
  });
}
