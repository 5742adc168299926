/**
 * HTTP/1 runs on the listener's own byte reader for callers (proxy/listeners/http1-*.ts; node:http
 * for the requests it hands over) and on the sidecar's own upstream client (proxy/upstream/http1*.ts: request heads written, reply heads and chunked
 * bodies read from the bytes); this folder holds the mapping half of the codec contract only.
 */
export { upstreamHeaders, forwardableReplyHeaders, appendForwardedFor } from './headers.js';
export { httpStatusOf, errorBody, errorHeaders, codeOfResponse } from './status.js';
export { requestToInvocation, TIMEOUT_HEADER, VERSION_HEADER, GROUP_HEADER } from './invocation.js';
