/**
 * Where arguments and return values sit inside the Hessian stream of a Dubbo body, so
 * that JavaHessianWriter can continue that stream with the right tables:
 *
 * - request (docs/protocols.md): five head strings, then the arguments; strings add to
 *   no table, so only the byte offset matters (binary chunking).
 * - response (3.6): the result-flag int, then the value or exception.
 */
import { jv } from '../../bridge/values.js';
import { JavaHessianWriter, type StreamState } from '../hessian/java-writer.js';

const DUBBO_PROTOCOL_VERSION = '2.0.2';

/** The Dubbo request body's head strings, as one Hessian stream writes them (for the byte offset). */
export function dubboArgumentsState(path: string, version: string, method: string, descriptor: string): StreamState {
  const head = new JavaHessianWriter();
  for (const text of [DUBBO_PROTOCOL_VERSION, path, version, method, descriptor]) head.write(jv.string(text));
  return { classes: [], refCount: 0, types: [], byteOffset: head.toBuffer().length };
}

/** After the result flag (one byte, 0x90..0x95). */
export const DUBBO_RESULT_STATE: StreamState = { classes: [], refCount: 0, types: [], byteOffset: 1 };
