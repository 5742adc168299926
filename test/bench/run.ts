/**
 * `npm run bench -- <name> [seconds]`: runs one benchmark (or all with no name).
 * Benchmarks report; they never pass or fail. Results go to test/results/bench-*.json.
 */
import { benchBolt } from './bolt.js';
import { benchDubbo } from './dubbo.js';
import { benchHttp1 } from './http1.js';

const BENCHES: Record<string, (seconds: number) => Promise<void>> = {
  http1: benchHttp1,
  bolt: benchBolt,
  dubbo: benchDubbo,
};

const [name, secondsArg] = process.argv.slice(2);
const seconds = Number(secondsArg ?? process.env.PMESH_BENCH_SECONDS ?? 10);
const chosen = name ? [name] : Object.keys(BENCHES);
for (const bench of chosen) {
  const run = BENCHES[bench];
  if (!run) {
    process.stderr.write(`unknown bench "${bench}"; choose one of: ${Object.keys(BENCHES).join(', ')}\n`);
    process.exit(2);
  }
  await run(seconds);
}
process.exit(0);
