/**
 * One HTTP/1 call's undici dispatch handler (undici's handler interface, without its
 * `request` API): the Result is made as soon as the reply head is in, its headers taken
 * from undici's raw list, and the body flows through a plain Readable under undici's
 * own backpressure (onData returns false, the Readable's read resumes).
 *
 * `pool.request` cost, per call, an AsyncResource, a body stream with its own state
 * machine, the headers parsed into an object and flattened back into a list, and a
 * promise chain around them; the HTTP/1 profile of the sidecar spent more in that than
 * in our own filters.
 */
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Cancel, HttpClientCodec, MeshError, Result } from '../../core/index.js';

/** Header names and values as latin1 text: node:http writes them back the same way, so every byte passes as it came. */
function rawHeaderText(raw: ReadonlyArray<Buffer | string>): string[] {
  const out = new Array<string>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const item = raw[i]!;
    out[i] = typeof item === 'string' ? item : item.toString('latin1');
  }
  return out;
}

export class Http1Reply implements Dispatcher.DispatchHandler {
  readonly #codec: HttpClientCodec;
  readonly #cancel: Cancel;
  readonly #resolve: (result: Result) => void;
  readonly #reject: (error: unknown) => void;
  #body: Readable | undefined;
  #resume: (() => void) | undefined;
  #done = false;

  constructor(codec: HttpClientCodec, cancel: Cancel, resolve: (result: Result) => void, reject: (error: unknown) => void) {
    this.#codec = codec;
    this.#cancel = cancel;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  onConnect(abort: (error?: Error) => void): void {
    this.#cancel.onAbort((reason: MeshError) => {
      if (!this.#done) abort(reason);
    });
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true; // an interim reply (103); the final one follows
    this.#resume = resume;
    const body = new Readable({ read: () => this.#resume?.() });
    this.#body = body;
    const code = this.#codec.codeOfStatus(statusCode);
    this.#resolve({
      status: 'ok',
      protocolStatus: statusCode,
      ...(code === undefined ? {} : { code }),
      attachments: {},
      rawHeaders: this.#codec.replyHeaders(rawHeaderText(rawHeaders)),
      body: { kind: 'stream', stream: body },
    });
    return true;
  }

  onData(chunk: Buffer): boolean {
    return this.#body!.push(chunk);
  }

  onComplete(): void {
    this.#done = true;
    this.#body?.push(null);
  }

  onError(error: Error): void {
    this.#done = true;
    if (this.#body) this.#body.destroy(error);
    else this.#reject(error);
  }
}
