/**
 * The HPACK memos (hpack.ts): a block decoded again answers with the list it gave last
 * time, and a list encoded again reuses its block, only while nothing in the dynamic
 * table changed and only for a block whose own coding changed nothing. Blocks are RFC 7541
 * Appendix C's or laid out by hand per section 6 (not written by our encoder); what the
 * encoder writes is read by nghttp2 in hpack.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { HpackDecoder, HpackEncoder } from '../../../../src/proxy/h2-frames/hpack.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
/** RFC 7541 C.3.1: GET http://www.example.com/, `:authority` inserted into the table. */
const C31 = hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff');
/** RFC 7541 C.3.2: the same with `cache-control: no-cache` inserted. */
const C32 = hex('8286 84be 5886 a8eb 1064 9cbf');
/** Indexes only: :method GET, :scheme http, :path /, and dynamic entry 62. */
const INDEXED = hex('8286 84be');
/** A literal `grpc-timeout` not indexed (section 6.2.2, new name), the value as given. */
const withTimeout = (value: string): Buffer => Buffer.concat([hex('8286 84'), Buffer.from([0x00, 12]), Buffer.from('grpc-timeout', 'latin1'), Buffer.from([value.length]), Buffer.from(value, 'latin1')]);

describe('HPACK decoder memo', () => {
  it('answers the same bytes with the same list while the table is unchanged', () => {
    const decoder = new HpackDecoder();
    decoder.decode(C31);
    const first = decoder.decode(INDEXED);
    const bytes = decoder.listBytes;
    const again = decoder.decode(Buffer.from(INDEXED));
    expect(again).toBe(first);
    expect(decoder.listBytes).toBe(bytes);
    expect(again).toEqual([':method', 'GET', ':scheme', 'http', ':path', '/', ':authority', 'www.example.com']);
  });

  it('remembers two blocks that alternate (heads and trailers), the older one making room for a third', () => {
    const decoder = new HpackDecoder();
    decoder.decode(C31);
    const [a, b, c] = [hex('8286 84be'), hex('8387 85be'), hex('8286 85be')];
    const firstA = decoder.decode(a);
    const firstB = decoder.decode(b);
    expect(decoder.decode(a)).toBe(firstA);
    expect(decoder.decode(b)).toBe(firstB);
    decoder.decode(c);
    const againA = decoder.decode(a);
    expect(againA).not.toBe(firstA);
    expect(againA).toEqual(firstA);
    expect(decoder.decode(c)).toEqual([':method', 'GET', ':scheme', 'http', ':path', '/index.html', ':authority', 'www.example.com']);
  });

  it('misses once the table changed: the same bytes now name another entry', () => {
    const decoder = new HpackDecoder();
    decoder.decode(C31);
    const before = decoder.decode(INDEXED);
    decoder.decode(C32);
    const after = decoder.decode(INDEXED);
    expect(after).not.toBe(before);
    expect(after.slice(6)).toEqual(['cache-control', 'no-cache']);
  });

  it('misses when a block that failed had changed the table first', () => {
    const decoder = new HpackDecoder();
    decoder.decode(C31);
    const before = decoder.decode(INDEXED);
    // Inserts cache-control: no-cache, then names index 70, outside the table.
    expect(() => decoder.decode(hex('5886 a8eb 1064 9cbf c6'))).toThrow(/outside the table/);
    const after = decoder.decode(INDEXED);
    expect(after).not.toBe(before);
    expect(after.slice(6)).toEqual(['cache-control', 'no-cache']);
  });

  it('misses after a table size update evicted the entries', () => {
    const decoder = new HpackDecoder();
    decoder.decode(C31);
    decoder.decode(hex('be'));
    // Size update to 0 (evicts all), then back to 4096, then :method GET.
    decoder.decode(hex('20 3fe1 1f 82'));
    expect(() => decoder.decode(hex('be'))).toThrow(/outside the table/);
  });

  it('decodes a block that inserts every time: each copy adds its entry', () => {
    const decoder = new HpackDecoder();
    decoder.decode(C31);
    const second = decoder.decode(C31);
    expect(second).toEqual([':method', 'GET', ':scheme', 'http', ':path', '/', ':authority', 'www.example.com']);
    // Two entries now (62 and 63): a memo hit on the second copy would have left one.
    expect(decoder.decode(hex('be bf'))).toEqual([':authority', 'www.example.com', ':authority', 'www.example.com']);
  });

  it('misses a block of the same length with other bytes (a per-call grpc-timeout)', () => {
    const decoder = new HpackDecoder();
    decoder.decode(C31);
    const ten = decoder.decode(withTimeout('10m'));
    const twenty = decoder.decode(withTimeout('20m'));
    expect(ten.slice(-2)).toEqual(['grpc-timeout', '10m']);
    expect(twenty.slice(-2)).toEqual(['grpc-timeout', '20m']);
    expect(decoder.decode(withTimeout('20m'))).toBe(twenty);
  });
});

describe('HPACK encoder memo', () => {
  const head = (timeout?: string): string[] => [':method', 'POST', ':scheme', 'http', ':path', '/helloworld.Greeter/SayHello', 'content-type', 'application/grpc', ...(timeout ? ['grpc-timeout', timeout] : [])];

  it('writes a repeated list as the same block once its entries are in the table, and a changed one anew', () => {
    const encoder = new HpackEncoder();
    const first = encoder.encode(head());
    const second = encoder.encode(head());
    // The first inserted the path and content-type; the second names them by index.
    expect(second.length).toBeLessThan(first.length);
    expect(encoder.encode(head())).toEqual(second);
    const timed = encoder.encode(head('10m'));
    expect(timed.length).toBeGreaterThan(second.length);
    const decoder = new HpackDecoder();
    decoder.decode(first);
    expect(decoder.decode(second)).toEqual(head());
    expect(decoder.decode(timed)).toEqual(head('10m'));
  });

  it('does not take a list reused and changed in place for the one remembered', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    const list = head();
    decoder.decode(encoder.encode(list));
    decoder.decode(encoder.encode(list));
    list[5] = '/helloworld.Greeter/SayHelloAgain';
    expect(decoder.decode(encoder.encode(list))).toEqual(list);
  });

  it('misses after the peer lowered its table size: the block starts with the size update', () => {
    const encoder = new HpackEncoder();
    encoder.encode(head());
    encoder.encode(head());
    encoder.setTableLimit(0);
    const block = encoder.encode(head());
    expect(block[0]! & 0xe0).toBe(0x20);
    const decoder = new HpackDecoder();
    expect(decoder.decode(block)).toEqual(head());
  });
});
