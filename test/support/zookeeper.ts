/**
 * A real ZooKeeper server for registry tests, from the Maven Central jars built by
 * clients/java/zookeeper (javaClasspath). Standalone ZooKeeperServerMain on 127.0.0.1 with a
 * generated zoo.cfg: tickTime 500 ms (sessions of 1-10 s, so expiry tests finish in seconds;
 * `maxSessionTimeoutMs` raises the cap), admin server off, a temp data dir that survives
 * restart(). Readiness is `ruok` -> `imok`, then `srvr` showing a Mode.
 * A missing JDK or Maven fails (javaClasspath throws an install message); never a skip.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import zookeeper from 'node-zookeeper-client';
import { guardSocketData } from '../../src/registry/zookeeper/socket-data-guard.js';
import { javaClasspath } from './maven.js';
import { freePort } from './ports.js';
import { startPeer, type Peer } from './process.js';

export interface ZooKeeperServer {
  readonly port: number;
  /** `127.0.0.1:port`, a connection string for clients. */
  readonly address: string;
  readonly dataDir: string;
  /** Stops the server (SIGTERM, by pid); the data dir stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data dir; resolves when it answers `imok`. */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Stops the server and removes its data dir. */
  destroy(): Promise<void>;
  readonly running: boolean;
  /** The server's log so far (for failure messages). */
  output(): string;
}

/** Sends a four-letter word and returns the whole answer ('' when nothing listens). */
export async function fourLetterWord(port: number, word: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let answer = '';
    socket.setTimeout(2_000, () => socket.destroy());
    socket.on('connect', () => socket.write(word));
    socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(answer));
  });
}

export interface ZooKeeperOptions {
  /**
   * The server's cap on session timeouts (default 10 s). Java peers ask Dubbo's 60 s and get
   * the cap; an outage longer than that ends their sessions (Curator expires a session it
   * could not renew for that long), and their registrations are then replaced.
   */
  readonly maxSessionTimeoutMs?: number;
}

export async function startZooKeeper(options: ZooKeeperOptions = {}): Promise<ZooKeeperServer> {
  // javaClasspath checks the JDK only when it (re)builds; a cached build must fail the same way.
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
  } catch {
    throw new Error('java is required for the ZooKeeper registry tests and was not found: apt-get install -y openjdk-17-jdk-headless');
  }
  const classpath = javaClasspath('zookeeper');
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'pmesh-zk-'));
  const config = join(dataDir, 'zoo.cfg');
  writeFileSync(
    config,
    [
      'tickTime=500',
      `dataDir=${join(dataDir, 'data')}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      'admin.enableServer=false',
      '4lw.commands.whitelist=ruok,srvr,cons',
      // Sessions between 1 s and 10 s unless told: expiry tests finish in seconds (RELIABILITY.md finding 9).
      'minSessionTimeout=1000',
      `maxSessionTimeout=${options.maxSessionTimeoutMs ?? 10_000}`,
      '',
    ].join('\n'),
  );
  let peer: Peer | undefined;

  const start = async (): Promise<void> => {
    peer = startPeer('zookeeper', 'java', ['-Xmx256m', '-XX:+UseSerialGC', '-cp', classpath, 'org.apache.zookeeper.server.ZooKeeperServerMain', config]);
    const until = Date.now() + 30_000;
    // `imok` only says the process is up; `srvr` shows a Mode once the server serves requests.
    while ((await fourLetterWord(port, 'ruok')) !== 'imok' || !/Mode: /.test(await fourLetterWord(port, 'srvr'))) {
      if (peer.child.exitCode !== null) throw new Error(`ZooKeeper exited (${peer.child.exitCode}):\n${peer.output().slice(-4000)}`);
      if (Date.now() > until) throw new Error(`ZooKeeper did not answer imok on 127.0.0.1:${port}:\n${peer.output().slice(-4000)}`);
      await sleep(100);
    }
  };
  const stop = async (): Promise<void> => {
    await peer?.stop(3_000);
    peer = undefined;
  };
  await start();
  return {
    port,
    address: `127.0.0.1:${port}`,
    dataDir,
    stop,
    start,
    restart: async () => {
      await stop();
      await start();
    },
    destroy: async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
    get running() {
      return peer !== undefined;
    },
    output: () => peer?.output() ?? '',
  };
}

/** Lists a znode's children (decoded), or [] when it does not exist; a short-lived client. */
export async function listChildren(address: string, path: string): Promise<string[]> {
  const client = zookeeper.createClient(address, { sessionTimeout: 5_000, spinDelay: 200, retries: 0 });
  // The library's reply parsing can throw on a restarted server's bytes; the sidecar's guard keeps the test's client alive too.
  guardSocketData(client, () => {});
  try {
    await new Promise<void>((resolve) => {
      client.once('connected', () => resolve());
      client.connect();
    });
    return await new Promise<string[]>((resolve, reject) => {
      client.getChildren(path, (error, children) => {
        if (!error) resolve(children.map((name) => decodeURIComponent(name.replace(/\+/g, ' '))));
        else if ('code' in error && error.code === zookeeper.Exception.NO_NODE) resolve([]);
        else reject(error);
      });
    });
  } finally {
    client.close();
  }
}

/** A plain node-zookeeper-client session for tests, optionally with digest auth (`user:password`). */
export interface TestZkClient {
  readonly client: zookeeper.Client;
  /** Runs one callback-style call and resolves with its value, or rejects with the library's exception. */
  run<T>(call: (client: zookeeper.Client, done: (error: Error | zookeeper.Exception | null, value?: T) => void) => void): Promise<T>;
  close(): void;
}

export async function openZkClient(address: string, digest?: string): Promise<TestZkClient> {
  const client = zookeeper.createClient(address, { sessionTimeout: 5_000, spinDelay: 200, retries: 0 });
  guardSocketData(client, () => {});
  if (digest !== undefined) client.addAuthInfo('digest', Buffer.from(digest));
  await new Promise<void>((resolve) => {
    client.once('connected', () => resolve());
    client.connect();
  });
  return {
    client,
    run: <T>(call: (c: zookeeper.Client, done: (error: Error | zookeeper.Exception | null, value?: T) => void) => void) =>
      new Promise<T>((resolve, reject) => call(client, (error, value) => (error ? reject(error) : resolve(value as T)))),
    close: () => client.close(),
  };
}
