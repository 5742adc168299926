/** `pmesh demo`: the sidecar with the demo's config and providers, so every README example answers. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFlags } from './args.js';
import type { CliCommand } from './command.js';
import { serveUntil, stopSignal } from './serve.js';
import { help } from './start.js';

export const demo: CliCommand = {
  name: 'demo',
  summary: 'the sidecar plus demo providers of com.example.EchoService (Dubbo and SOFARPC)',
  usage: `usage: pmesh demo [--java] [--print-config]

Starts the sidecar on the built-in ports with routes, clusters and bridge types for
com.example.EchoService, and providers of it: Dubbo (version 1.0.0, 127.0.0.1:20880) and
SOFARPC (version 1.0, 127.0.0.1:12200), registered in the embedded registry. Every example
of the README answers against it. The registry's data lives in a temporary folder.

options:
  --java           run the providers on the real Java frameworks (clients/java/dubbo and
                   clients/java/sofarpc; needs JDK 17 and Maven, built on first use)
  --print-config   print the demo's config and exit
  -h, --help       this text`,
  async run(argv) {
    const { values } = parseFlags(argv, { java: { type: 'boolean' }, 'print-config': { type: 'boolean' } });
    if (values.help) return help(this.usage);
    // Imported here, not at the top: `pmesh --help` and the other commands do not load the sidecar.
    const [{ parseConfig }, { DEMO_CONFIG_YAML, startDemo }, { checkers, run, setup }] = await Promise.all([
      import('../config/index.js'),
      import('../demo/index.js'),
      import('../main.js'),
    ]);
    if (values['print-config']) {
      process.stdout.write(DEMO_CONFIG_YAML);
      return 0;
    }
    const signal = stopSignal();
    setup();
    const dataDir = mkdtempSync(join(tmpdir(), 'pmesh-demo-'));
    const parsed = parseConfig(DEMO_CONFIG_YAML, '(demo)', checkers);
    const running = await run(undefined, { ...parsed, registry: { ...parsed.registry, dataDir } });
    let stopDemo: () => Promise<void> = async () => {};
    try {
      const started = await startDemo(running.sidecar.registry, running.log, values.java === true);
      stopDemo = () => started.close();
    } catch (error) {
      await running.stop(0);
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }
    running.log.info({ providers: values.java ? 'java' : 'node' }, 'pmesh demo ready');
    const code = await serveUntil(signal, running, stopDemo);
    rmSync(dataDir, { recursive: true, force: true });
    return code;
  },
};
