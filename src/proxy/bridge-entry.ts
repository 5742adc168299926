/**
 * What the bridge checks of a call before it reads the body or builds a frame: the HTTP
 * method, the attachments a caller may set, Dubbo's generic invoke, and the method name
 * against the service's known signatures. Each refusal names what was wrong; nothing
 * refused here is sent anywhere.
 */
import { MeshError, type Invocation } from '../core/index.js';
import { type MethodSignature } from '../bridge/index.js';
import { reservedAttachments } from '../codecs/index.js';

export const ATTACHMENT_PREFIX = 'x-pmesh-attachment-';

/** Dubbo's generic invoke methods (GenericService): the caller would pick the provider's deserialization. */
const GENERIC_METHODS = new Set(['$invoke', '$invokeAsync']);
/** With SOFARPC's `$genericInvoke` (ConsumerGenericFilter rewrites it; never on the wire): all refused from callers. */
const REFUSED_GENERIC_METHODS = new Set([...GENERIC_METHODS, '$genericInvoke']);

/**
 * `x-pmesh-attachment-foo: bar` -> `foo: bar`; a mesh-owned name is refused with 400
 * naming it. Mesh-owned are the attachments (Dubbo) and request properties (SOFARPC)
 * the protocol plug-ins reserve (`bridge.reservedAttachments`): they address, time or
 * type the call. Refused, not dropped: a caller that meant one learns at once that it
 * does not get through.
 */
export function callerAttachments(invocation: Invocation): Record<string, string> {
  const reserved = reservedAttachments();
  const out: Record<string, string> = {};
  for (const header in invocation.attachments) {
    if (!header.startsWith(ATTACHMENT_PREFIX)) continue;
    const value = invocation.attachments[header] as string;
    const name = header.slice(ATTACHMENT_PREFIX.length);
    const lower = name.toLowerCase();
    if (reserved.names.has(lower) || reserved.prefixes.some((prefix) => lower.startsWith(prefix))) {
      throw new MeshError('PMESH_BAD_REQUEST', `attachment "${name}" is set by the mesh and cannot be set by a caller`, { details: { attachment: name } });
    }
    out[name] = value;
  }
  return out;
}

/**
 * The checks made on a bridged call before its body is read; `method` is the `:method` its
 * entry protocol requires, if any. Returns the caller's attachments (callerAttachments).
 */
export function checkBridgeEntry(invocation: Invocation, method: string | undefined, allowGenericInvoke: boolean): Record<string, string> {
  const httpMethod = invocation.attachments[':method'];
  if (method !== undefined && httpMethod !== undefined && httpMethod !== method) {
    throw new MeshError('PMESH_METHOD_NOT_ALLOWED', `${httpMethod} is not allowed on a bridged call: use ${method} with the arguments as a JSON array`, {
      details: { allow: method },
    });
  }
  if (REFUSED_GENERIC_METHODS.has(invocation.method) && !allowGenericInvoke) {
    throw new MeshError(
      'PMESH_GENERIC_INVOKE_NOT_ALLOWED',
      `${invocation.method} (generic invoke) is not allowed from callers; call the method by its name, or set bridge.allowGenericInvoke`,
    );
  }
  return callerAttachments(invocation);
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
