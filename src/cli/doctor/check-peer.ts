/** Doctor's findings about one provider address: the protocol it speaks, its serialization, round-trip time. */
import { problem, ok, info, type Finding } from './findings.js';
import { configProtocolOf, probeAll, type ProbeResult } from './probe.js';

const NAMES: Record<string, string> = { dubbo: 'Dubbo', bolt: 'Bolt (SOFARPC)', http2: 'HTTP/2 (gRPC)', http1: 'HTTP/1' };

export interface PeerCheck {
  readonly findings: Finding[];
  /** The config protocol name of what answered first (dubbo, bolt, grpc, http1), if anything did. */
  readonly protocol?: string;
}

/**
 * `expected`: the protocol a cluster or the registry says this address speaks, and who
 * says so (for the fix text).
 */
export async function checkPeer(address: string, timeoutMs: number, expected?: { protocol: string; by: string; fix: string }): Promise<PeerCheck> {
  const split = address.lastIndexOf(':');
  const host = address.slice(0, split).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(split + 1));
  const results = await probeAll(host, port, timeoutMs);
  const answered = results.filter((r) => r.answered);
  if (!results[0]?.connected) {
    return { findings: [problem(`${address}: nothing accepts connections (${results[0]?.detail ?? 'refused'})`, `start the provider, or correct the address${expected ? ` in ${expected.by}` : ''}`)] };
  }
  const first = answered[0];
  if (first === undefined) {
    return {
      findings: [problem(`${address} accepts connections but answers none of the Dubbo heartbeat, the Bolt heartbeat, the HTTP/2 preface or an HTTP/1 request`,
        'check that this is the RPC port of the provider (not a debug or management port), and that it is not behind TLS')],
    };
  }
  const findings: Finding[] = [ok(`${address} speaks ${describe(first)}`)];
  if (first.rttMs !== undefined) findings.push(ok(`${address} round trip ${first.rttMs.toFixed(1)} ms (${first.protocol === 'http1' || first.protocol === 'http2' ? 'first answer' : 'heartbeat'})`));
  for (const other of answered.slice(1)) findings.push(info(`${address} also answers ${describe(other)}`));
  const protocol = configProtocolOf(first);
  if (expected && !answered.some((r) => configProtocolOf(r) === expected.protocol)) {
    findings.push(problem(`${expected.by} says ${address} speaks ${expected.protocol}, but it speaks ${protocol}`, expected.fix.replace('{protocol}', protocol)));
  }
  return { findings, protocol };
}

function describe(result: ProbeResult): string {
  const parts = [NAMES[result.protocol] ?? result.protocol];
  if (result.serialization) parts.push(`serialization ${result.serialization}`);
  if (result.detail) parts.push(result.detail);
  return parts.join(', ');
}
