/**
 * Starts a Java peer for a bench. Unlike test/support/java-peers.ts (tuned for fast
 * test start-up: C1 only, serial GC), the JVM runs with its default JIT and GC, so
 * the direct path is as fast as Java makes it and the ratio is not flattered by a
 * slow server.
 */
import { javaClasspath } from '../../support/maven.js';
import { startPeer, type Peer } from '../../support/process.js';

export async function startJavaServer(project: string, mainClass: string, args: readonly string[], ready: RegExp): Promise<Peer> {
  const peer = startPeer(`${project} ${mainClass}`, 'java', ['-cp', javaClasspath(project), mainClass, ...args]);
  try {
    await peer.waitFor(ready, 180_000);
  } catch (error) {
    await peer.stop();
    throw error;
  }
  return peer;
}
