import { expect } from 'vitest';
import { request } from 'undici';

interface ClustersDump {
  clusters: { name: string; endpoints: { address: string; connections: number }[] }[];
}

async function connections(adminPort: number, cluster: string): Promise<number> {
  const dump = (await (await request(`http://127.0.0.1:${adminPort}/clusters`)).body.json()) as ClustersDump;
  return dump.clusters.find((c) => c.name === cluster)?.endpoints[0]?.connections ?? 0;
}

/**
 * With heartbeats every 200 ms and 3 misses allowed, a peer that did not answer would
 * lose its idle connection within about 800 ms. Idle for 2 s, the connection that an
 * earlier test opened must still be there: the peer answered every probe.
 */
export async function expectHeartbeatsAnswered(adminPort: number, cluster: string): Promise<void> {
  expect(await connections(adminPort, cluster)).toBe(1);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  expect(await connections(adminPort, cluster)).toBe(1);
}
