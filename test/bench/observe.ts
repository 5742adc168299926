/**
 * `npm run bench -- observe`: CPU per call of the listener's observability steps, in this
 * process, on the bolt bench's call shape (Java SOFARPC's POJO request and response frames
 * from test/golden/bolt): no steps; the metrics step; metrics and the tap while nobody taps;
 * the tap open capturing and decoding every call into typed JSON; the tap open at its default
 * bound (tap.maxEventsPerSecond 50). Variants run in alternating windows; the median is shown.
 * CPU time (process.cpuUsage), not wall time, so a busy host moves the figures less.
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { PrometheusMetrics } from '../../src/admin/metrics.js';
import { TapHub, type TapOptions } from '../../src/admin/ui/tap-hub.js';
import { getCodec, setupProtocols } from '../../src/codecs/index.js';
import { tapDecoder } from '../../src/tap-decode.js';
import { DEFAULT_LIMITS, NOOP_TAP, createRootLogger, type TapSink } from '../../src/core/index.js';
import { compose, observeCalls, type CallContext, type Filter, type Handler } from '../../src/proxy/filter.js';
import { metricsObserver } from '../../src/proxy/filters/metrics.js';
import { tapCapture, tapObserver } from '../../src/proxy/filters/tap.js';
import { REPO_ROOT } from '../support/maven.js';

const BATCH = 1_000;
const WINDOWS = 5;
const TAP: TapOptions = { redact: ['password'], maxSubscribers: 4, maxEventsPerSecond: 50, samplePercent: 100, maxBodyBytes: 65_536, subscriberBufferBytes: 1 << 20, recentErrors: 100 };

/** A tap subscriber that reads everything at once. */
function reader(): ServerResponse {
  return { writableLength: 0, write: () => true, end() {}, on() {} } as unknown as ServerResponse;
}

function openTap(maxEventsPerSecond: number): TapSink {
  const hub = new TapHub({ ...TAP, maxEventsPerSecond }, tapDecoder(getCodec), () => {});
  hub.subscribe(reader(), { service: 'com.example' });
  return hub;
}

export async function benchObserve(seconds: number): Promise<void> {
  setupProtocols();
  const codec = getCodec('bolt')!;
  const golden = (name: string): unknown => codec.newDecoder(DEFAULT_LIMITS).push(readFileSync(join(REPO_ROOT, 'test/golden/bolt', name)))[0];
  // The listener and the upstream pool keep the frame on the call, as here (pass-through).
  const request = golden('v1-pojo-request.bin');
  const reply = golden('v1-pojo-response.bin');
  const invocation = { ...codec.toInvocation(request), frame: request };
  const result = { ...codec.toResult(reply), frame: reply };
  const terminal: Handler = async (_invocation, ctx) => {
    ctx.route = 'pojo';
    ctx.cluster = 'sofa';
    ctx.endpoint = '127.0.0.1:12200';
    return result;
  };
  // The stack's one observer step (stack.ts): the tap's observer, then the metrics one.
  const observed = (tap?: TapSink): Filter =>
    observeCalls(tap ? [tapObserver(tap), metricsObserver(new PrometheusMetrics())] : [metricsObserver(new PrometheusMetrics())]);
  const variants: Array<[string, Handler]> = [
    ['no steps', compose([], terminal)],
    ['metrics', compose([observed()], terminal)],
    ['metrics + tap, nobody tapping', compose([observed(NOOP_TAP), tapCapture()], terminal)],
    ['metrics + tap open, every call decoded', compose([observed(openTap(Number.MAX_SAFE_INTEGER)), tapCapture()], terminal)],
    ['metrics + tap open, default bound 50/s', compose([observed(openTap(TAP.maxEventsPerSecond)), tapCapture()], terminal)],
  ];
  const log = createRootLogger('silent');
  const run = async (handler: Handler, ms: number): Promise<{ calls: number; micros: number }> => {
    const cpu = process.cpuUsage();
    const until = performance.now() + ms;
    let calls = 0;
    while (performance.now() < until) {
      for (let i = 0; i < BATCH; i++) await handler(invocation, { listener: 'bolt-egress', startedAt: performance.now(), log } as CallContext);
      calls += BATCH;
      // Let the tap's decoding (setImmediate) run inside the window it belongs to.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const used = process.cpuUsage(cpu);
    return { calls, micros: used.user + used.system };
  };
  const perCall = new Map<string, number[]>(variants.map(([name]) => [name, []]));
  for (const [, handler] of variants) await run(handler, 300);
  const windowMs = (seconds * 1000) / WINDOWS / variants.length;
  for (let w = 0; w < WINDOWS; w++) {
    for (const [name, handler] of variants) {
      const { calls, micros } = await run(handler, windowMs);
      perCall.get(name)!.push(micros / calls);
    }
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const base = median(perCall.get('no steps')!);
  process.stdout.write(`bench observe: listener steps on Java SOFARPC's POJO call (test/golden/bolt/v1-pojo-*), in-process, CPU µs per call (median of ${WINDOWS} alternating windows)\n`);
  for (const [name] of variants) {
    const micros = median(perCall.get(name)!);
    process.stdout.write(`  ${name.padEnd(42)} ${micros.toFixed(2).padStart(7)} µs   added ${(micros - base).toFixed(2).padStart(6)} µs\n`);
  }
}
