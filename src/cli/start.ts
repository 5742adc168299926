/** `pmesh start`: runs the sidecar with a config file, PMESH_CONFIG, or the built-in config. */
import { endStart } from '../core/start-flags.js';
import { configPath, parseFlags } from './args.js';
import type { CliCommand } from './command.js';
import { serveUntil, stopSignal } from './serve.js';

export const start: CliCommand = {
  name: 'start',
  summary: 'run the sidecar (built-in config unless --config or PMESH_CONFIG names a file)',
  usage: `usage: pmesh start [--config FILE]

Runs the sidecar until SIGTERM or Ctrl-C, then lets calls in flight finish and exits 0.
The config file is watched: a valid change is applied live, an invalid one logged and ignored.

options:
  -c, --config FILE   the config file (default: $PMESH_CONFIG, else the built-in config)
  -h, --help          this text

environment:
  PMESH_CONFIG        the config file when --config is not given
  PMESH_LOG_LEVEL     overrides logging.level (trace, debug, info, warn, error, silent)

exit codes: 0 stopped by a signal, 1 could not start (a port in use...), 2 invalid config or usage`,
  async run(argv) {
    const { values } = parseFlags(argv, { config: { type: 'string', short: 'c' } });
    if (values.help) return help(this.usage);
    const path = configPath(values.config);
    const signal = stopSignal();
    // Imported here, not at the top: `pmesh --help` and the other commands do not load the sidecar.
    const { loadConfig, run } = await import('../main.js');
    const config = await loadConfig(path);
    const running = await run(path, config);
    // Process-wide, so set here and not by run(), which tests call in a shared process.
    endStart(config.heap);
    return serveUntil(signal, running);
  },
};

export function help(usage: string): number {
  process.stdout.write(`${usage}\n`);
  return 0;
}
