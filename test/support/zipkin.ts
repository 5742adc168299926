/**
 * A real trace backend for the tracing tests: Zipkin's server, the executable jar from
 * Maven Central (io.zipkin:zipkin-server, fetched once into .cache/zipkin by Maven, no
 * build), in-memory storage, listening on 127.0.0.1 only. Its query API gives the spans
 * of a trace as it stored them (Zipkin v2 JSON).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { REPO_ROOT } from './maven.js';
import { freePort } from './ports.js';
import { startPeer, type Peer } from './process.js';

/** Pinned so every run tests the same server. */
const ZIPKIN_VERSION = '3.5.1';
const DIR = join(REPO_ROOT, '.cache/zipkin');
const JAR = join(DIR, `zipkin-server-${ZIPKIN_VERSION}-exec.jar`);

/** One span as Zipkin's v2 API returns it. */
export interface ZipkinSpan {
  readonly traceId: string;
  readonly id: string;
  readonly parentId?: string;
  readonly kind?: 'CLIENT' | 'SERVER' | 'PRODUCER' | 'CONSUMER';
  readonly name?: string;
  readonly localEndpoint?: { readonly serviceName?: string };
  readonly tags?: Readonly<Record<string, string>>;
}

export interface Zipkin {
  /** `http://127.0.0.1:PORT/api/v2/spans`, where exporters post. */
  readonly spansUrl: string;
  /** Waits (bounded) until the trace has at least `count` spans, and returns them. */
  trace(traceId: string, count: number, timeoutMs?: number): Promise<ZipkinSpan[]>;
  stop(): Promise<void>;
}

function fetchJar(): void {
  if (existsSync(JAR)) return;
  mkdirSync(DIR, { recursive: true });
  execFileSync('mvn', ['-q', '-B', 'dependency:copy', `-Dartifact=io.zipkin:zipkin-server:${ZIPKIN_VERSION}:jar:exec`, `-DoutputDirectory=${DIR}`], {
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 900_000,
  });
}

export async function startZipkin(): Promise<Zipkin> {
  fetchJar();
  const port = await freePort();
  const peer: Peer = startPeer('zipkin', 'java', [
    '-Xss512k', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xmx256m', '-jar', JAR,
    `--armeria.ports[0].ip=127.0.0.1`, `--armeria.ports[0].port=${port}`, '--armeria.ports[0].protocols=http',
  ], { env: { ...process.env, STORAGE_TYPE: 'mem', QUERY_PORT: String(port) } });
  const base = `http://127.0.0.1:${port}`;
  const until = Date.now() + 240_000;
  for (;;) {
    if (peer.child.exitCode !== null) throw new Error(`zipkin exited:\n${peer.output().slice(-3000)}`);
    try {
      const answer = await request(`${base}/health`);
      const text = await answer.body.text();
      if (answer.statusCode === 200 && text.includes('UP')) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) {
      await peer.stop();
      throw new Error(`zipkin did not become healthy in 240 s:\n${peer.output().slice(-3000)}`);
    }
    await sleep(500);
  }
  return {
    spansUrl: `${base}/api/v2/spans`,
    async trace(traceId, count, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let spans: ZipkinSpan[] = [];
      for (;;) {
        const answer = await request(`${base}/api/v2/trace/${traceId}`);
        const text = await answer.body.text();
        if (answer.statusCode === 200) spans = JSON.parse(text) as ZipkinSpan[];
        if (spans.length >= count || Date.now() > deadline) return spans;
        await sleep(300);
      }
    },
    stop: async () => {
      await peer.stop(5_000);
    },
  };
}
