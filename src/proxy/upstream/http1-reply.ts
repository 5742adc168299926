/**
 * An upstream's HTTP/1 reply as the call's Result. Its header list (`rawHeaders`: the client
 * codec's list for the caller, hop-by-hop fields left out, names lower-cased) is made only
 * when something reads it: a filter, an observer, the node:http side of the listener. Until
 * then the listener's byte path writes the reply head's own field lines to the caller, less
 * the hop-by-hop ones (`passesHead`, `head.copyPassedFields`), as HAProxy and nginx pass a
 * head on: no string per field, no head text to build and encode again.
 */
import type { Body, Code, HttpClientCodec, Result } from '../../core/index.js';
import type { ReplyHead } from './http1-reply-head.js';

const NO_ATTACHMENTS: Readonly<Record<string, string>> = Object.freeze({});

export class Http1Reply implements Result {
  readonly status = 'ok' as const;
  readonly protocolStatus: number;
  readonly code: Code | undefined;
  readonly attachments: Readonly<Record<string, string>>;
  readonly body: Body;
  readonly head: ReplyHead;
  declare readonly rawHeaders: readonly string[];
  readonly #codec: HttpClientCodec;
  #rawHeaders: readonly string[] | undefined;

  /**
   * An own enumerable accessor, as Bolt's call view has for its attachments: a spread of the
   * Result (`{ ...result, body }`) still copies the header list, and the copy, no longer this
   * class, is written field by field.
   */
  static readonly #RAW_HEADERS: PropertyDescriptor = {
    get(this: Http1Reply): readonly string[] {
      return (this.#rawHeaders ??= this.#codec.replyHeaders(this.head.rawHeaders));
    },
    enumerable: true,
    configurable: true,
  };

  constructor(head: ReplyHead, codec: HttpClientCodec, body: Body) {
    this.protocolStatus = head.status;
    this.code = codec.codeOfStatus(head.status);
    this.attachments = NO_ATTACHMENTS;
    this.body = body;
    this.head = head;
    this.#codec = codec;
    this.#rawHeaders = undefined;
    Object.defineProperty(this, 'rawHeaders', Http1Reply.#RAW_HEADERS);
  }

  /** The caller can be written the head's field lines as they came (less the hop-by-hop ones): nothing read the header list, and the head needs no change a field list would make. */
  get passesHead(): boolean {
    return this.#rawHeaders === undefined && this.head.passable;
  }
}
