/**
 * `node --import tsx test/bench/run.ts bridge-step [seconds]`: the bridge step alone
 * (src/proxy/bridge.ts, `bridgeStep`), in this process, no sockets: the HTTP/JSON call
 * echo(1 KiB String) in, the Dubbo or SOFARPC request frame built, a canned reply (the
 * codec's own, as a Java provider lays it out) turned into the JSON answer. CPU per call,
 * Dubbo and SOFARPC in alternating windows: the bridge's own share of a bridged call,
 * without the listener, the upstream and the kernel. Reported, never asserted.
 */
import { Cancel, type Invocation, type Logger, type Result } from '../../src/core/index.js';
import { getProtocol, setupProtocols } from '../../src/codecs/index.js';
import { jv, type BridgeCodec } from '../../src/bridge/index.js';
import { DEFAULT_BRIDGE, type Cluster } from '../../src/proxy/index.js';
import { bridgeStep } from '../../src/proxy/bridge.js';
import type { Handler } from '../../src/proxy/filter.js';
import { ARG_1KIB } from './load/frames.js';

const QUIET = { warn: () => {}, debug: () => {}, info: () => {}, error: () => {}, child: () => QUIET } as unknown as Logger;
const SERVICE = { interface: 'com.example.EchoService', version: '1.0.0' };
const BODY = Buffer.from(JSON.stringify([ARG_1KIB]));
const ANSWER = JSON.stringify(ARG_1KIB);

/** The step in front of an upstream that answers every call with `echo`'s reply at once. */
function stepTo(protocol: string): Handler {
  const bridge = getProtocol(protocol)!.bridge.typed! as BridgeCodec<unknown>;
  const request = bridge.request({ service: SERVICE, method: 'echo', paramTypes: [], args: [], attachments: {}, timeoutMs: 1_000 }, 1n);
  const frame = bridge.reply(request, { kind: 'value', value: jv.string(ARG_1KIB) });
  const reply: Result = { status: 'ok', protocolStatus: 0, attachments: {}, body: { kind: 'empty' }, frame };
  const cluster = { name: 'target', protocol } as unknown as Cluster;
  return bridgeStep(() => cluster, DEFAULT_BRIDGE)(() => Promise.resolve(reply));
}

async function call(handler: Handler): Promise<void> {
  const invocation: Invocation = {
    protocol: 'http1',
    service: SERVICE,
    method: 'echo',
    attachments: { 'content-type': 'application/json', ':method': 'POST', 'content-length': String(BODY.length) },
    oneway: false,
    deadline: undefined,
    body: { kind: 'raw', serialization: 0, bytes: BODY },
  };
  const result = await handler(invocation, { listener: 'bench', startedAt: performance.now(), log: QUIET, cancel: new Cancel(), cluster: 'target' });
  const answer = result.body.kind === 'raw' ? result.body.bytes.toString() : '';
  if (result.protocolStatus !== 200 || answer !== ANSWER) throw new Error(`the bridge step answered ${result.protocolStatus}: ${answer.slice(0, 200)}`);
}

/** Calls for `seconds`; CPU µs per call. */
async function window(handler: Handler, seconds: number): Promise<{ calls: number; micros: number }> {
  const cpu = process.cpuUsage();
  const until = performance.now() + seconds * 1_000;
  let calls = 0;
  while (performance.now() < until) {
    for (let i = 0; i < 1_000; i++) await call(handler);
    calls += 1_000;
  }
  const used = process.cpuUsage(cpu);
  return { calls, micros: (used.user + used.system) / calls };
}

export async function benchBridgeStep(seconds: number): Promise<void> {
  setupProtocols();
  const steps = [['dubbo', stepTo('dubbo')], ['sofarpc', stepTo('bolt')]] as const;
  for (const [, handler] of steps) await window(handler, Math.min(2, seconds)); // warm-up
  const rounds = 3;
  process.stdout.write(`bench bridge-step: echo(1 KiB String), in-process, canned reply, ${rounds} alternating windows of ${(seconds / rounds).toFixed(1)} s\n`);
  for (let round = 0; round < rounds; round++) {
    for (const [name, handler] of steps) {
      const { calls, micros } = await window(handler, seconds / rounds);
      process.stdout.write(`  ${name.padEnd(8)} ${micros.toFixed(2).padStart(7)} µs CPU per call  (${calls} calls)\n`);
    }
  }
}
