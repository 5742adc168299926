/**
 * Starts a Java peer for a bench. Unlike test/support/java-peers.ts (tuned for fast
 * test start-up: C1 only, serial GC), the JVM runs with its default JIT and GC, so
 * the direct path is as fast as Java makes it and the ratio is not flattered by a
 * slow server.
 *
 * Its logs go to a directory of its own, deleted when it stops: SOFARPC's tracer writes a
 * digest line for every call it serves under `<logging.path>/tracelog/` (`~/logs` by
 * default), and the benches' millions of calls had filled this host's disk with 80 GB of them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { javaClasspath } from '../../support/maven.js';
import { startPeer, type Peer } from '../../support/process.js';

export async function startJavaServer(project: string, mainClass: string, args: readonly string[], ready: RegExp): Promise<Peer> {
  const logs = mkdtempSync(join(tmpdir(), 'pmesh-bench-java-logs-'));
  const peer = startPeer(`${project} ${mainClass}`, 'java', [`-Dlogging.path=${logs}`, '-cp', javaClasspath(project), mainClass, ...args]);
  // On exit, however it came (stop, kill, or the test process ending), not in one of the ways to end it.
  peer.child.once('exit', () => rmSync(logs, { recursive: true, force: true }));
  try {
    await peer.waitFor(ready, 180_000);
  } catch (error) {
    await peer.stop();
    throw error;
  }
  return peer;
}
