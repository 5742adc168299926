/**
 * `npm run bench -- chain [seconds]`: the CPU the routing core (src/proxy/stack.ts: the
 * filter chain, the cluster step and the call's deadline) adds to one call, in process and
 * without sockets: an upstream that answers every call of a batch at once, 64 calls in
 * flight as in the RPC benches, the real Prometheus metrics sink. What it prints is the chain
 * alone; the protocol benches (grpc, bolt, compare) show what a call costs end to end.
 * Variants: plain (no access log), with the access log (to a discarding logger), and with a
 * route that retries.
 */
import { PrometheusMetrics } from '../../src/admin/metrics.js';
import { Cancel, createRootLogger, makeEndpoint, type Invocation, type Result } from '../../src/core/index.js';
import { Cluster, Router, buildStack, createBalancer, setupBalancers, type CallContext, type Handler, type RouteSpec, type Upstream } from '../../src/proxy/index.js';

const IN_FLIGHT = 64;
const ROUND_BATCHES = 500;
const MIN_ROUNDS = 5;
const ANSWER: Result = { status: 'ok', protocolStatus: 0, attachments: {}, body: { kind: 'raw', serialization: 0, bytes: Buffer.alloc(1024) } };

/** Holds each call's answer until the batch is complete, then answers them all: the chain's promises settle as they would on a socket. */
class BatchUpstream implements Upstream {
  readonly #waiting: ((result: Result) => void)[] = [];
  call(): Promise<Result> {
    return new Promise<Result>((resolve) => this.#waiting.push(resolve));
  }
  answerAll(): void {
    for (const resolve of this.#waiting.splice(0)) resolve(ANSWER);
  }
  release(): void {}
  hasConnection(): boolean {
    return true;
  }
  connections(): Record<string, number> {
    return { '127.0.0.1:1': 1 };
  }
  async close(): Promise<void> {}
}

function invocation(): Invocation {
  return {
    protocol: 'bench',
    service: { interface: 'bench.Echo' },
    method: 'echo',
    attachments: {},
    oneway: false,
    deadline: performance.now() + 5_000,
    body: { kind: 'raw', serialization: 0, bytes: ANSWER.body.kind === 'raw' ? ANSWER.body.bytes : Buffer.alloc(0) },
  };
}

async function measure(name: string, handler: Handler, upstream: BatchUpstream, seconds: number): Promise<void> {
  const log = createRootLogger('silent');
  const run = async (batches: number): Promise<number> => {
    const before = process.cpuUsage();
    for (let batch = 0; batch < batches; batch++) {
      const replies: Promise<Result>[] = [];
      for (let i = 0; i < IN_FLIGHT; i++) {
        const ctx: CallContext = { listener: 'bench', startedAt: performance.now(), log, cancel: new Cancel() };
        replies.push(handler(invocation(), ctx));
      }
      upstream.answerAll();
      await Promise.all(replies);
    }
    const used = process.cpuUsage(before);
    return ((used.user + used.system) * 1_000) / (batches * IN_FLIGHT);
  };
  // Warm-up, then rounds of a fixed number of calls: on a shared host the least a round cost is the steadiest figure.
  await run(3_000);
  const rounds: number[] = [];
  const started = performance.now();
  while (rounds.length < MIN_ROUNDS || performance.now() - started < seconds * 1_000) rounds.push(await run(ROUND_BATCHES));
  rounds.sort((a, b) => a - b);
  const median = rounds[rounds.length >> 1]!;
  process.stdout.write(`  ${name.padEnd(28)} ${rounds[0]!.toFixed(0).padStart(6)} ns CPU per call at least, ${median.toFixed(0).padStart(6)} median (${rounds.length} rounds of ${ROUND_BATCHES * IN_FLIGHT} calls)\n`);
}

function stack(route: Partial<RouteSpec>, accessLog: boolean): { handler: Handler; upstream: BatchUpstream } {
  const upstream = new BatchUpstream();
  const cluster = new Cluster('echo', 'bench', 'round_robin', createBalancer('round_robin'), upstream);
  cluster.setEndpoints([makeEndpoint('127.0.0.1:1')]);
  const metrics = new PrometheusMetrics();
  cluster.setMetrics(metrics);
  const router = new Router([{ name: 'echo', match: { service: 'bench.Echo' }, cluster: 'echo', ...route }]);
  const handler = buildStack({
    router: () => router,
    cluster: (name) => (name === 'echo' ? cluster : undefined),
    metrics,
    accessLog: accessLog ? createRootLogger('silent') : undefined,
    defaultTimeoutMs: 15_000,
  });
  return { handler, upstream };
}

export async function benchChain(seconds: number): Promise<void> {
  setupBalancers();
  process.stdout.write(`bench chain: the routing core alone, ${IN_FLIGHT} calls in flight, ${seconds} s per variant\n`);
  for (const [name, route, accessLog] of [
    ['plain route', {}, false],
    ['with access log', {}, true],
    ['route with retry policy', { retry: { attempts: 3, on: ['unavailable'], budget: { percent: 20, minPerSecond: 10 } } }, false],
  ] as const) {
    const { handler, upstream } = stack(route as Partial<RouteSpec>, accessLog);
    await measure(name, handler, upstream, seconds);
  }
}
