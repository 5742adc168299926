/**
 * The connection-level HTTP/2 receive window of the sidecar's own sessions, listener and
 * upstream side. RFC 9113 starts it at 64 KiB, the same as one stream's: the upstream
 * session multiplexes every caller's calls, so 64 unary replies of 1 KiB in flight fill it
 * and the server may have to wait for a WINDOW_UPDATE before the next reply. Opened to 8 MiB,
 * at least the sum of 100 streams' windows, the connection is never the narrower window.
 * Stream windows stay at 64 KiB: they bound what one slow reader makes the sidecar hold,
 * so flow control stays end to end and memory per connection stays bounded.
 */
import type { Http2Session } from 'node:http2';

export const CONNECTION_WINDOW_BYTES = 8 * 1024 * 1024;

/** Opens `session`'s connection window (a WINDOW_UPDATE on stream 0). */
export function openConnectionWindow(session: Http2Session): void {
  if (!session.destroyed) session.setLocalWindowSize(CONNECTION_WINDOW_BYTES);
}
