/**
 * A provider's failure as a bridged caller sees it. Java answers carry whole stack traces
 * (a Dubbo SERVICE_ERROR is ~4 KB of them, with the provider's URL and pid): the caller
 * gets the first line, the exception class and message; the whole text goes to the debug
 * log. Answers that mean "no such service" or "no such method" become 404 naming what the
 * call asked for and what the mesh knows instead of the provider's decode error.
 */
import { MeshError, serviceKeyString, type Invocation, type Logger } from '../core/index.js';

/** Longest first line passed on; beyond it the line is cut (a Dubbo URL alone can be 800 characters). */
const MAX_LINE = 1_024;

/** A URL's query (Dubbo puts the provider's whole config there: pid, bind address, timestamps). */
const URL_QUERY = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s?]+)\?\S*?(?=,\s|\s|$)/g;

/** The first line of a Java message, URL queries left out, bounded. */
export function firstLine(text: string): string {
  const line = (text.split('\n', 1)[0] ?? '').trimEnd().replace(URL_QUERY, '$1');
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}...` : line;
}

/**
 * Dubbo answers a call for a service key it does not export (wrong version or group) or a
 * method it cannot find with BAD_REQUEST "Fail to decode request due to: RpcInvocation
 * [methodName=..., parameterTypes=null]" (seen from Dubbo 3.3.6): it could not find the
 * method's parameter types. SOFARPC says RPC-020100010 / RPC-020100011.
 */
const NO_SERVICE = [/Fail to decode request.*parameterTypes=null/, /RPC cannot find service/];
const NO_METHOD = [/Cannot find invoke method/];

/** Whether the provider answered that it has no such service key (then the caller is told which ones exist). */
export function isUnknownServiceAnswer(error: MeshError): boolean {
  return NO_SERVICE.some((pattern) => pattern.test(error.message));
}

export interface CallerErrorContext {
  readonly invocation: Invocation;
  /** Parameter types sent, for the message. */
  readonly paramTypes: readonly string[];
  /** The service keys the registry or config knows for this service (providers' versions and groups), if any. */
  readonly knownKeys: readonly string[];
  readonly log: Logger;
}

export function errorForCaller(error: MeshError, context: CallerErrorContext): MeshError {
  const { invocation, log } = context;
  if (error.message.includes('\n')) log.debug({ reason: error.reason, err: error.message }, 'provider error, whole text');
  const call = `${invocation.method}(${context.paramTypes.join(', ')})`;
  if (isUnknownServiceAnswer(error)) {
    const key = serviceKeyString(invocation.service);
    const known = context.knownKeys.length > 0
      ? `the registry and config know ${context.knownKeys.join(', ')}`
      : 'neither the registry nor the config knows a version or group of it: send x-pmesh-version and x-pmesh-group as the provider exports it';
    const asked = `version ${invocation.service.version ?? '(none)'}, group ${invocation.service.group ?? '(none)'}`;
    return new MeshError('PMESH_UNKNOWN_SERVICE', `the provider has no ${call} in ${key} (${asked}): the version, the group or the method is wrong; ${known}`, {
      cause: error,
    });
  }
  if (NO_METHOD.some((pattern) => pattern.test(error.message))) {
    return new MeshError('PMESH_UNKNOWN_METHOD', `the provider of ${serviceKeyString(invocation.service)} has no method ${call}`, { cause: error });
  }
  const line = firstLine(error.message);
  return line === error.message ? error : new MeshError(error.reason, line, { cause: error, details: error.details });
}
