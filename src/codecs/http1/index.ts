/**
 * HTTP/1 runs on Node's own parser (`node:http`) and undici upstream; this folder
 * holds the mapping half of the codec contract only. We write no HTTP parser.
 */
export { upstreamHeaders, forwardableReplyHeaders, appendForwardedFor } from './headers.js';
export { httpStatusOf, errorBody, errorHeaders, codeOfResponse } from './status.js';
export { requestToInvocation, TIMEOUT_HEADER, VERSION_HEADER, GROUP_HEADER } from './invocation.js';
