/** Hessian 2 for Dubbo and SOFARPC bodies: a bounded reader for both dialects, a scanner, and the Java-compatible writer. */
export * from './values.js';
export { HessianReader, DEFAULT_MAX_DEPTH } from './reader.js';
export { forEachValueClassName } from './class-names.js';
export {
  encodeJavaValues, decodeJavaValues, readJavaValues, toJavaValue, JavaHessianWriter,
  type JavaDecodeOptions, type JavaWriterOptions, type StreamState,
} from './java-values.js';
