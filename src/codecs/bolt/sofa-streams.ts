/**
 * Where arguments and return values sit inside the Hessian stream of a SOFARPC body, so
 * that JavaHessianWriter can continue that stream with the right tables (class
 * definition indexes, reference numbers, type indexes):
 *
 * - SOFARPC request (docs/protocols.md 2.4): the SofaRequest object (class 0, ref 0), its
 *   requestProps maps and the `[string` methodArgSigs list (one ref each), then the arguments.
 * - SOFARPC response (2.5): the SofaResponse object (class 0, ref 0) whose third field
 *   is the value.
 */
import type { StreamState } from '../hessian/java-writer.js';
import { SOFA_REQUEST_FIELDS, SOFA_RESPONSE_FIELDS, type PropValue } from './sofa-body-out.js';
import { SOFA_REQUEST_CLASS, SOFA_RESPONSE_CLASS } from './sofa-body.js';

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
