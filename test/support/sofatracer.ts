/**
 * SOFATracer (on by default in sofa-rpc-all) in the tracing tests: the chain they trace
 * (a Java SOFARPC provider behind two sidecars), and reading what the Java peers logged:
 * their digest logs are JSON lines under `<logging.path>/tracelog/`, one per call.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startJava } from './java-peers.js';
import { freePort } from './ports.js';
import { startInProcess } from './sidecar.js';

/** Where the chain is entered, and where its provider's SOFATracer writes its logs. */
export interface SofaTracerChain {
  /** The first sidecar's Bolt listener: a consumer calls `bolt://127.0.0.1:<egress>`. */
  readonly egress: number;
  readonly providerLogs: string;
}

/**
 * Starts a Java SOFARPC provider (SOFATracer logging under a new directory) and two sidecars
 * in front of it, consumer -> `a` -> `b` -> provider, each with the given `tracing:` line;
 * every stop is pushed onto `stops`.
 */
export async function startSofaTracerChain(service: string, tracingA: string, tracingB: string, stops: Array<() => Promise<unknown>>): Promise<SofaTracerChain> {
  const providerLogs = mkdtempSync(join(tmpdir(), 'pmesh-sofatracer-'));
  const sofaPort = await freePort();
  const provider = startJava('sofarpc', 'com.example.Server', [String(sofaPort)], 'sofarpc provider', [`-Dlogging.path=${providerLogs}`]);
  stops.push(() => provider.stop());
  await provider.waitFor(/READY \d+/, 180_000);
  const ingress = await freePort();
  const egress = await freePort();
  const b = await startInProcess(`${tracingB}
admin: { address: 127.0.0.1:${await freePort()} }
listeners:
  - { name: bolt-in, protocol: bolt, address: 127.0.0.1:${ingress}, routes: [{ match: { service: ${service} }, cluster: provider }] }
clusters:
  - { name: provider, protocol: bolt, endpoints: [127.0.0.1:${sofaPort}] }
`);
  stops.push(() => b.stop(500));
  const a = await startInProcess(`${tracingA}
admin: { address: 127.0.0.1:${await freePort()} }
listeners:
  - { name: bolt-out, protocol: bolt, address: 127.0.0.1:${egress}, routes: [{ match: { service: ${service} }, cluster: sidecar-b }] }
clusters:
  - { name: sidecar-b, protocol: bolt, endpoints: [127.0.0.1:${ingress}] }
`);
  stops.push(() => a.stop(500));
  return { egress, providerLogs };
}

/** One call in a digest log: SOFATracer's trace id and its span id (the rpcId, `0`, `0.1`...). */
export interface TracerDigest {
  readonly tracerId: string;
  readonly spanId: string;
}

/** The calls in a digest log (JSON lines), waiting a bounded time for the log to be written. */
export async function tracerDigests(path: string, timeoutMs = 60_000): Promise<TracerDigest[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (existsSync(path)) {
      const digests = readFileSync(path, 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Partial<TracerDigest>)
        .filter((digest): digest is TracerDigest => typeof digest.tracerId === 'string' && typeof digest.spanId === 'string');
      if (digests.length > 0) return digests;
    }
    if (Date.now() > until) throw new Error(`no SOFATracer digest in ${path} after ${timeoutMs} ms`);
    await sleep(300);
  }
}

/** The SOFATracer trace ids in a digest log, waiting a bounded time for the log to be written. */
export async function tracerIds(path: string, timeoutMs = 60_000): Promise<string[]> {
  return (await tracerDigests(path, timeoutMs)).map((digest) => digest.tracerId);
}
