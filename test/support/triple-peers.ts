/**
 * The Dubbo 3.3.6 Triple peers of clients/java/triple: a provider exporting Greeter
 * (non-IDL, Hessian2 wrapped) and PbGreeter (protobuf) three times each (no version;
 * 1.0.0/blue; 2.0.0/green), and a consumer CLI. Started by pid, stopped by pid.
 */
import { JDK17_OPENS } from './java-peers.js';
import { javaClasspath } from './maven.js';
import { freePort } from './ports.js';
import { startPeer, type Peer } from './process.js';

const JVM = ['-Xss512k', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', ...JDK17_OPENS];

function startTripleJava(mainClass: string, args: readonly string[], name: string): Peer {
  return startPeer(name, 'java', [...JVM, '-cp', javaClasspath('triple'), `com.example.triple.${mainClass}`, ...args]);
}

export interface TripleProvider {
  readonly peer: Peer;
  readonly port: number;
}

/** A provider on a free port, registered in ZooKeeper at `zookeeper` (host:port) when given. */
export async function startTripleProvider(zookeeper?: string): Promise<TripleProvider> {
  const port = await freePort();
  const peer = startTripleJava('Provider', [zookeeper ?? 'N/A', String(port)], `triple provider ${port}`);
  await peer.waitFor(/PROVIDER READY/, 180_000);
  return { peer, port };
}

/** One RESULT line of the consumer. */
export interface TripleCallLine {
  readonly call: string;
  readonly outcome: 'ok' | 'timeout' | 'error';
  readonly value?: unknown;
  readonly code?: number;
  readonly type?: string;
  readonly message?: string;
}

/** Runs the consumer (`[--version V] [--group G] [--timeout MS] HOST:PORT COMMAND ARGS...`) to its DONE line. */
export async function runTripleConsumer(args: readonly string[]): Promise<TripleCallLine> {
  const peer = startTripleJava('Consumer', args, 'triple consumer');
  try {
    await peer.waitFor(/DONE ok=\d+ failed=\d+/, 120_000);
  } finally {
    await peer.stop();
  }
  const line = peer.output().split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`the Triple consumer printed no RESULT:\n${peer.output().slice(-3000)}`);
  return JSON.parse(line.slice(7)) as TripleCallLine;
}
