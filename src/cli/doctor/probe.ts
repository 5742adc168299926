/**
 * Which protocol a provider at host:port speaks: each protocol's own first words (a Dubbo
 * heartbeat event, a Bolt heartbeat, the HTTP/2 preface, an HTTP/1 request), one fresh
 * connection each, in that order. A peer that answers one and drops the others is normal.
 */
import { probeBolt, probeDubbo } from './probe-rpc.js';
import { probeHttp1, probeHttp2 } from './probe-http.js';
import type { ProbeResult } from './types.js';

export type { ProbeResult } from './types.js';

const PROBES = [probeDubbo, probeBolt, probeHttp2, probeHttp1];

/** Every probe's result (sequential: one connection at a time to the provider). */
export async function probeAll(host: string, port: number, timeoutMs: number): Promise<ProbeResult[]> {
  const results: ProbeResult[] = [];
  for (const probe of PROBES) {
    const result = await probe(host, port, timeoutMs);
    results.push(result);
    if (!result.connected && results.length === 1) break; // nothing listens: the other probes would say the same
  }
  return results;
}

/** The config's protocol name for what the probe found (gRPC listens on HTTP/2). */
export function configProtocolOf(probe: ProbeResult): string {
  return probe.protocol === 'http2' ? 'grpc' : probe.protocol;
}
