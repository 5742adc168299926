/** The reply headers passed on from undici's raw list: names lower-cased, repeats kept, hop-by-hop and Connection-named ones dropped. */
import { describe, expect, it } from 'vitest';
import { forwardableReplyHeaders } from '../../../src/codecs/http1/index.js';

describe('forwardableReplyHeaders', () => {
  it('keeps repeats in order, lower-cases names, keeps values as they came', () => {
    const raw = ['Content-Type', 'text/plain', 'Set-Cookie', 'a=1; Path=/', 'Set-Cookie', 'b=2', 'X-Caf\u00e9', 'cr\u00e8me'];
    expect(forwardableReplyHeaders(raw)).toEqual(['content-type', 'text/plain', 'set-cookie', 'a=1; Path=/', 'set-cookie', 'b=2', 'x-caf\u00e9', 'cr\u00e8me']);
  });

  it('drops hop-by-hop headers and those the Connection header names, whatever their case', () => {
    const raw = ['Connection', 'keep-alive, X-Hop', 'Keep-Alive', 'timeout=5', 'Transfer-Encoding', 'chunked', 'x-hop', '1', 'Content-Length', '3'];
    expect(forwardableReplyHeaders(raw)).toEqual(['content-length', '3']);
  });
});
