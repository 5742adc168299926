/**
 * HTTP probes: an HTTP/1.1 request (`OPTIONS *`, which asks nothing of the application) and
 * the HTTP/2 client preface with an empty SETTINGS frame (what every gRPC client sends
 * first; RFC 9113 section 3.4). A SETTINGS frame back means HTTP/2 (gRPC, Dubbo Triple).
 */
import { exchange } from './exchange.js';
import type { ProbeResult } from './types.js';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
/** Length 0, type 4 (SETTINGS), flags 0, stream 0. */
const EMPTY_SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
const SETTINGS_TYPE = 4;

export async function probeHttp2(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  const result = await exchange(host, port, Buffer.concat([PREFACE, EMPTY_SETTINGS]), (_chunk, received) => {
    if (received.length < 9) return undefined;
    return received[3] === SETTINGS_TYPE;
  }, timeoutMs);
  if (result.rttMs === undefined) return { protocol: 'http2', answered: false, connected: result.connected, detail: result.failure ?? 'no SETTINGS' };
  return { protocol: 'http2', answered: true, connected: true, rttMs: result.rttMs };
}

export async function probeHttp1(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  const request = Buffer.from(`OPTIONS * HTTP/1.1\r\nhost: ${host}:${port}\r\nuser-agent: pmesh-doctor\r\nconnection: close\r\n\r\n`, 'latin1');
  let status = '';
  const result = await exchange(host, port, request, (_chunk, received) => {
    if (received.length < 12) return undefined;
    const head = received.subarray(0, 12).toString('latin1');
    if (!/^HTTP\/1\.[01] \d{3}/.test(head)) return false;
    status = head.slice(9, 12);
    return true;
  }, timeoutMs);
  if (result.rttMs === undefined) return { protocol: 'http1', answered: false, connected: result.connected, detail: result.failure ?? 'no HTTP/1 status line' };
  return { protocol: 'http1', answered: true, connected: true, rttMs: result.rttMs, detail: `status ${status}` };
}
