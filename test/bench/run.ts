/**
 * `npm run bench -- <name> [seconds]`: runs one benchmark (or all with no name).
 * Benchmarks report; they never pass or fail. Results go to test/results/bench-*.json.
 */
import { benchBolt } from './bolt.js';
import { benchBoltMtls } from './bolt-mtls.js';
import { benchBridge } from './bridge.js';
import { benchBridgeStep } from './bridge-step.js';
import { benchChain } from './chain.js';
import { benchCompare } from './compare.js';
import { benchDubbo } from './dubbo.js';
import { benchFootprint } from './footprint.js';
import { benchGrpc } from './grpc.js';
import { benchHeap } from './heap.js';
import { benchHttp1 } from './http1.js';
import { benchObserve } from './observe.js';
import { benchRpcGarbage } from './rpc-garbage.js';
import { benchStartup } from './startup.js';
import { benchTracing } from './tracing.js';
import { stopAllPeers } from '../support/process.js';

const BENCHES: Record<string, (seconds: number, args: readonly string[]) => Promise<void>> = {
  http1: benchHttp1,
  bolt: benchBolt,
  'bolt-mtls': benchBoltMtls,
  dubbo: benchDubbo,
  footprint: benchFootprint,
  bridge: benchBridge,
  'bridge-step': benchBridgeStep,
  chain: benchChain,
  grpc: benchGrpc,
  heap: benchHeap,
  observe: benchObserve,
  'rpc-garbage': benchRpcGarbage,
  startup: benchStartup,
  compare: benchCompare,
  tracing: benchTracing,
};
/** Run only when named: it installs Debian packages and builds MOSN. */
const ONLY_BY_NAME = new Set(['compare']);

/** Words after the seconds go to the bench (`compare 9 http1`: that section only). */
const [name, secondsArg, ...rest] = process.argv.slice(2);
const seconds = Number(secondsArg ?? process.env.PMESH_BENCH_SECONDS ?? 10);
const chosen = name ? [name] : Object.keys(BENCHES).filter((bench) => !ONLY_BY_NAME.has(bench));
const unknown = chosen.filter((bench) => !BENCHES[bench]);
if (unknown.length > 0) {
  process.stderr.write(`unknown bench "${unknown[0]}"; choose one of: ${Object.keys(BENCHES).join(', ')}\n`);
  process.exit(2);
}
try {
  for (const bench of chosen) await BENCHES[bench]!(seconds, rest);
} finally {
  // Whatever failed half-way, every server and sidecar a bench started is stopped by pid.
  await stopAllPeers();
}
process.exit(0);
