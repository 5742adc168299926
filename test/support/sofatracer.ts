/**
 * Reading what SOFATracer (on by default in sofa-rpc-all) logged in a Java SOFARPC peer:
 * its digest logs are JSON lines under `<logging.path>/tracelog/`, one per call.
 */
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

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
