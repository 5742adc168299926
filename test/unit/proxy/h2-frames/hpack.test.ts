/**
 * HPACK against bytes we did not write: RFC 7541's Appendix C examples (Huffman strings,
 * dynamic table, evictions under a 256-byte table) for the decoder, and nghttp2 (node:http2's
 * decoder) reading what the encoder wrote, with the dynamic table churned until entries
 * are evicted.
 */
import { createServer, type Http2Server } from 'node:http2';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { H2Connection, type ConnectionEvents } from '../../../../src/proxy/h2-frames/connection.js';
import { Http2ProtocolError, Setting } from '../../../../src/proxy/h2-frames/frames.js';
import { HpackDecoder } from '../../../../src/proxy/h2-frames/hpack.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

function pairs(block: Buffer, decoder: HpackDecoder): Array<[string, string]> {
  const flat = decoder.decode(block);
  const out: Array<[string, string]> = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

describe('HPACK decoder: RFC 7541 Appendix C', () => {
  it('C.4: requests with Huffman strings and the dynamic table', () => {
    const decoder = new HpackDecoder();
    expect(pairs(hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff'), decoder)).toEqual([
      [':method', 'GET'],
      [':scheme', 'http'],
      [':path', '/'],
      [':authority', 'www.example.com'],
    ]);
    expect(pairs(hex('8286 84be 5886 a8eb 1064 9cbf'), decoder)).toEqual([
      [':method', 'GET'],
      [':scheme', 'http'],
      [':path', '/'],
      [':authority', 'www.example.com'],
      ['cache-control', 'no-cache'],
    ]);
    expect(pairs(hex('8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf'), decoder)).toEqual([
      [':method', 'GET'],
      [':scheme', 'https'],
      [':path', '/index.html'],
      [':authority', 'www.example.com'],
      ['custom-key', 'custom-value'],
    ]);
  });

  it('C.6: responses with Huffman strings, evictions under a 256-byte table', () => {
    const decoder = new HpackDecoder(256);
    pairs(hex('4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3'), decoder);
    // 307 evicted 302; indexes 65-63 now name the other three entries.
    expect(pairs(hex('4883 640e ffc1 c0bf'), decoder)).toEqual([
      [':status', '307'],
      ['cache-control', 'private'],
      ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'],
      ['location', 'https://www.example.com'],
    ]);
    expect(
      pairs(
        hex(`88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b
             3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07`),
        decoder,
      ),
    ).toEqual([
      [':status', '200'],
      ['cache-control', 'private'],
      ['date', 'Mon, 21 Oct 2013 20:13:22 GMT'],
      ['location', 'https://www.example.com'],
      ['content-encoding', 'gzip'],
      ['set-cookie', 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1'],
    ]);
  });

  it('refuses an index outside the table, a table size over the advertised one, and bad Huffman padding', () => {
    expect(() => pairs(hex('be'), new HpackDecoder())).toThrow(Http2ProtocolError);
    expect(() => pairs(hex('3fe21f'), new HpackDecoder())).toThrow(/over the advertised/);
    // ":authority" with a Huffman value whose last byte pads with zeros.
    expect(() => pairs(hex('4181 00'), new HpackDecoder())).toThrow(/Huffman/);
  });
});

describe('HPACK encoder: read by nghttp2', () => {
  let server: Http2Server;
  const seen: Array<Record<string, string | string[] | undefined>> = [];

  beforeAll(async () => {
    server = createServer();
    server.on('stream', (stream, headers) => {
      seen.push(headers);
      stream.respond({ ':status': 200 }, { endStream: true });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Sends `count` request heads on one connection and checks nghttp2 read each exactly. */
  async function sendAll(count: number, headersOf: (i: number) => string[]): Promise<void> {
    seen.length = 0;
    const port = (server.address() as AddressInfo).port;
    let answered = 0;
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const events: ConnectionEvents = {
      onHeaders: (_c, _id, _h, _n, end) => {
        if (end && ++answered === count) finished();
      },
      onData: () => {},
      onReset: () => {},
      onWindow: () => {},
      onInitialWindow: () => {},
      onGoaway: () => {},
      onPing: () => {},
      onSettings: () => {},
      onClose: () => {},
    };
    const conn = new H2Connection(connect(port, '127.0.0.1'), false, events, [[Setting.ENABLE_PUSH, 0]], 16_384);
    const sent: string[][] = [];
    for (let i = 0; i < count; i++) {
      const headers = headersOf(i);
      sent.push([...headers]);
      conn.sendHeaders(1 + 2 * i, headers, true);
    }
    await done;
    conn.destroy();
    expect(seen).toHaveLength(count);
    seen.forEach((headers, i) => {
      const want = sent[i]!;
      for (let j = 0; j < want.length; j += 2) expect(headers[want[j]!]).toBe(want[j + 1]);
    });
  }

  it('300 requests whose cached paths and authorities churn the 4 KiB table: every header arrives exactly', async () => {
    await sendAll(300, (i) => [':method', 'POST', ':scheme', 'http', ':path', `/pkg.Service${i % 40}/Method${'x'.repeat(i % 90)}`, ':authority', `host-${i % 7}:50051`, 'content-type', 'application/grpc', 'user-agent', 'grpc-go/1.75.1', 'te', 'trailers', 'grpc-timeout', `${i}m`, 'x-trace', `t-${i}`]);
  });

  it('200 requests, most the same head again (the encoder reuses its block), between per-call values, new paths and a list changed in place', async () => {
    const reused = [':method', 'POST', ':scheme', 'http', ':path', '/pkg.S/M', ':authority', 'a:1', 'content-type', 'application/grpc'];
    await sendAll(200, (i) => {
      if (i % 11 === 0) return [':method', 'POST', ':scheme', 'http', ':path', `/pkg.New${i}/M`, ':authority', 'a:1', 'content-type', 'application/grpc'];
      if (i % 5 === 0) return [':method', 'POST', ':scheme', 'http', ':path', '/pkg.S/M', ':authority', 'a:1', 'content-type', 'application/grpc', 'grpc-timeout', `${i}m`];
      if (i % 7 === 0) reused[5] = `/pkg.S/M${i % 3}`;
      return reused;
    });
  });
});
