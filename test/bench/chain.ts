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
  const run = async (until: number): Promise<number> => {
    let calls = 0;
    while (performance.now() < until) {
      const replies: Promise<Result>[] = [];
      for (let i = 0; i < IN_FLIGHT; i++) {
        const ctx: CallContext = { listener: 'bench', startedAt: performance.now(), log, cancel: new Cancel() };
        replies.push(handler(invocation(), ctx));
      }
      upstream.answerAll();
      await Promise.all(replies);
      calls += IN_FLIGHT;
    }
    return calls;
  };
  await run(performance.now() + 1_000);
  const before = process.cpuUsage();
  const calls = await run(performance.now() + seconds * 1_000);
  const used = process.cpuUsage(before);
  process.stdout.write(`  ${name.padEnd(28)} ${(((used.user + used.system) / calls) * 1_000).toFixed(0).padStart(6)} ns CPU per call (${calls} calls)\n`);
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
