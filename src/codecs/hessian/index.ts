/** Hessian for SOFARPC bodies: a bounded reader for both dialects and the one writer the sidecar needs. */
export * from './values.js';
export { HessianReader, DEFAULT_MAX_DEPTH } from './reader.js';
export * from './sofa.js';
export { forEachValueClassName } from './class-names.js';
export { encodeSofaErrorResponse } from './writer.js';
export { encodeSofaRequest, encodeSofaResponse, type SofaRequestSpec, type PropValue } from './sofa-request-out.js';
export {
  encodeJavaValues, decodeJavaValues, readJavaValues, toJavaValue, JavaHessianWriter,
  type JavaDecodeOptions, type JavaWriterOptions, type StreamState,
} from './java-values.js';
export { dubboArgumentsState, sofaArgumentsState, DUBBO_RESULT_STATE, SOFA_RESPONSE_STATE } from './rpc-streams.js';
