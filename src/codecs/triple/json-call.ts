/**
 * The bridge's way into a Triple provider: Dubbo 3.3 serves unary calls with JSON bodies
 * on the same HTTP/2 path as its gRPC calls, and converts the arguments to the Java
 * method's parameter types itself, so the bridge sends the caller's JSON as it came (no
 * value model, no Hessian) and reads the answer as JSON. Dubbo reads the body of a
 * one-parameter method as that parameter, first, so a lone argument goes bare: that is
 * the only form a protobuf-mode (IDL) method takes (the message's proto3 JSON; in an
 * array, Dubbo 3.3.6 drops an object message's fields without a word), and the one that
 * keeps a lone list argument a list. Other counts go as the array. What a Dubbo 3.3.6
 * provider answers (seen in tests):
 *
 *   200 application/json  the return value                     "blue/1.0.0 hello bob"
 *   500                   {"message":"fail: x","status":"500"}  the method threw
 *   404                   {"message":"Invoker not found",...}   no such service, version, group or method
 *   408                   {"message":"Request Timeout",...}     its deadline spent
 *   400                   {"message":...}                       arguments that do not fit the method
 */
import { constants, type OutgoingHttpHeaders } from 'node:http2';
import { MeshError, serviceKeyString, type JsonCallCodec, type JsonCallReply, type ServiceKey } from '../../core/index.js';
import { JSON_CONTENT_TYPE, RESERVED_PREFIXES, TRI_SERVICE_GROUP, TRI_SERVICE_VERSION } from './headers.js';

/** What Dubbo's JSON answers name as the exception: it sends the message, not the class. */
const THROWN = 'java.lang.RuntimeException';

export const tripleJsonCall: JsonCallCodec = {
  argumentsAs: 'bare-when-one',

  requestHead(service, method, attachments) {
    const head: OutgoingHttpHeaders = {
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: `/${service.interface}/${method}`,
      [constants.HTTP2_HEADER_CONTENT_TYPE]: JSON_CONTENT_TYPE,
    };
    for (const [name, value] of Object.entries(attachments)) {
      const lower = name.toLowerCase();
      if (RESERVED_PREFIXES.some((prefix) => lower.startsWith(prefix))) {
        throw new MeshError('PMESH_BAD_REQUEST', `attachment "${name}" is set by the mesh and cannot be set by a caller`, { details: { attachment: name } });
      }
      head[lower] = value;
    }
    if (service.version) head[TRI_SERVICE_VERSION] = service.version;
    if (service.group) head[TRI_SERVICE_GROUP] = service.group;
    return head;
  },

  reply(status, text, service, method): JsonCallReply {
    if (status === 200) return { kind: 'value', json: text.trim() === '' ? 'null' : text };
    const message = messageOf(text);
    const target = `${serviceKeyString(service)}.${method}`;
    switch (status) {
      case 500:
        return { kind: 'exception', className: THROWN, message };
      case 404:
        return { kind: 'error', error: new MeshError('PMESH_UNKNOWN_SERVICE', `the Triple provider has no ${target} (it answered 404: ${message})`) };
      case 408:
        return { kind: 'error', error: new MeshError('PMESH_UPSTREAM_TIMEOUT', `the Triple provider gave up on ${target}: its deadline was spent (408)`) };
      case 400:
        return { kind: 'error', error: new MeshError('PMESH_BAD_REQUEST', `the Triple provider refused the arguments of ${target}: ${message}`) };
      default:
        return { kind: 'error', error: new MeshError('PMESH_UPSTREAM_BAD_RESPONSE', `the Triple provider answered ${target} with HTTP ${status}: ${message}`) };
    }
  },
};

function messageOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: the text itself is the best message there is
  }
  return text.slice(0, 500);
}
