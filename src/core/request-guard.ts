/**
 * The last-resort guard around a request handler: whatever a handler throws, at once or
 * from its promise, is logged and answered `500 {error, message}` (a reason, never a
 * stack), so no request can end the process. Handlers answer their own errors; this only
 * catches what they did not expect.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MeshError } from './errors.js';
import type { Logger } from './log.js';

/** A handler answers the request (true, nothing, or a promise) or declines it (false). */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => boolean | void | Promise<unknown>;

/** Wraps `handler` so what it throws, at once or from its promise, is answered; true when it took the request. */
export function guardHttp(handler: HttpHandler, log: Logger): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    try {
      const result = handler(req, res);
      if (result instanceof Promise) result.catch((error: unknown) => answerUnexpected(res, error, log));
      return result !== false;
    } catch (error) {
      answerUnexpected(res, error, log);
      return true;
    }
  };
}

/** Answers 500 with the reason if nothing was sent yet; otherwise ends the response as it is. */
export function answerUnexpected(res: ServerResponse, error: unknown, log: Logger): void {
  const mesh = MeshError.from(error);
  log.error({ err: error, path: res.req?.url }, 'request handler failed unexpectedly');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify({ error: mesh.reason, message: mesh.message });
  res.writeHead(500, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
