/**
 * Where arguments and return values sit inside the Hessian stream of a Dubbo body, so
 * that JavaHessianWriter can continue that stream with the right tables:
 *
 * - request (docs/protocols.md): five head strings, then the arguments; strings add to
 *   no table, so only the byte offset matters (binary chunking).
 * - response (3.6): the result-flag int, then the value or exception.
 */
import { ByteSink } from '../hessian/byte-sink.js';
import type { StreamState } from '../hessian/java-writer.js';
import { writeRequestHead } from './build.js';

/** The Dubbo request body's head strings, as one Hessian stream writes them (for the byte offset). */
export function dubboArgumentsState(path: string, version: string, method: string, descriptor: string): StreamState {
  const head = new ByteSink();
  writeRequestHead(head, path, version, method, descriptor);
  return { classes: [], refCount: 0, types: [], byteOffset: head.length };
}

/** After the result flag (one byte, 0x90..0x95). */
export const DUBBO_RESULT_STATE: StreamState = { classes: [], refCount: 0, types: [], byteOffset: 1 };
