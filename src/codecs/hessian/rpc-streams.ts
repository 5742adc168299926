/**
 * Where arguments and return values sit inside the Hessian stream of an RPC body, so
 * that JavaHessianWriter can continue that stream with the right tables (class
 * definition indexes, reference numbers, type indexes, Java's buffer position):
 *
 * - Dubbo request (docs/protocols.md): five head strings, then the arguments; strings
 *   add to no table, so only the byte offset matters (binary chunking).
 * - Dubbo response (3.6): the result-flag int, then the value or exception.
 * - SOFARPC request (2.4): the SofaRequest object (class 0, ref 0), its requestProps
 *   maps and the `[string` methodArgSigs list (one ref each), then the arguments.
 * - SOFARPC response (2.5): the SofaResponse object (class 0, ref 0) whose third field
 *   is the value.
 */
import { jv } from '../../core/values.js';
import { JavaHessianWriter, type StreamState } from './java-writer.js';
import type { PropValue } from './sofa-request-out.js';
import { SOFA_REQUEST_CLASS, SOFA_RESPONSE_CLASS } from './sofa.js';

/** Java SOFARPC's field order (docs/protocols.md), as the Bolt builders write them. */
const SOFA_REQUEST_FIELDS = ['targetAppName', 'methodName', 'targetServiceUniqueName', 'requestProps', 'methodArgSigs'];
const SOFA_RESPONSE_FIELDS = ['isError', 'errorMsg', 'appResponse', 'responseProps'];
const DUBBO_PROTOCOL_VERSION = '2.0.2';

/** The Dubbo request body's head strings, as one Hessian stream writes them (for the byte offset). */
export function dubboArgumentsState(path: string, version: string, method: string, descriptor: string): StreamState {
  const head = new JavaHessianWriter();
  for (const text of [DUBBO_PROTOCOL_VERSION, path, version, method, descriptor]) head.write(jv.string(text));
  return { classes: [], refCount: 0, types: [], byteOffset: head.toBuffer().length };
}

/** After the result flag (one byte, 0x90..0x95). */
export const DUBBO_RESULT_STATE: StreamState = { classes: [], refCount: 0, types: [], byteOffset: 1 };

function mapCount(props: ReadonlyArray<readonly [string, PropValue]>): number {
  let count = 1;
  for (const [, value] of props) if (typeof value !== 'string') count += mapCount(value);
  return count;
}

/** After a SofaRequest written by encodeSofaRequest with these requestProps (legacy dialect). */
export function sofaArgumentsState(requestProps: ReadonlyArray<readonly [string, PropValue]> | null): StreamState {
  const maps = requestProps === null ? 0 : mapCount(requestProps);
  return {
    classes: [[SOFA_REQUEST_CLASS, SOFA_REQUEST_FIELDS]],
    // The SofaRequest itself, each requestProps map, the methodArgSigs list.
    refCount: 1 + maps + 1,
    types: ['[string'],
  };
}

/** The appResponse value inside encodeSofaResponse's SofaResponse (legacy dialect). */
export const SOFA_RESPONSE_STATE: StreamState = {
  classes: [[SOFA_RESPONSE_CLASS, SOFA_RESPONSE_FIELDS]],
  refCount: 1,
  types: [],
};
