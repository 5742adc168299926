/**
 * `pmesh start [--config FILE]` runs the sidecar (the built-in default config when no
 * file is given, or PMESH_CONFIG); `pmesh validate FILE` checks a file and exits.
 * An invalid config exits 2 with every problem named by its path.
 */
import { ConfigError } from './config/index.js';
import { loadConfig, run } from './main.js';
import { doctorCommand } from './cli/doctor.js';
import { statusCommand } from './cli/status.js';
import { stopOnSignals } from './stop-on-signals.js';

const USAGE = `usage:
  pmesh start [--config FILE]   run the sidecar (default: built-in config)
  pmesh validate FILE           check a config file without starting
  pmesh doctor TARGET           ${doctorCommand.summary}
  pmesh status                  ${statusCommand.summary}`;

function configPath(args: string[]): string | undefined {
  const index = args.findIndex((arg) => arg === '--config' || arg === '-c');
  if (index !== -1) return args[index + 1];
  const inline = args.find((arg) => arg.startsWith('--config='));
  return inline ? inline.slice('--config='.length) : process.env.PMESH_CONFIG || undefined;
}

function fail(error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`pmesh: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  // Interim dispatch until the command registry (src/cli/commands.ts) takes these.
  const sub = [doctorCommand, statusCommand].find((c) => c.name === command);
  if (sub) process.exit(await sub.run(args));
  if (command === 'validate') {
    const path = args[0];
    if (!path) {
      process.stderr.write(`${USAGE}\n`);
      process.exit(2);
    }
    try {
      loadConfig(path);
    } catch (error) {
      fail(error);
    }
    process.stdout.write(`${path}: ok\n`);
    return;
  }
  if (command !== 'start') {
    process.stderr.write(`${USAGE}\n`);
    process.exit(command === undefined || command === 'help' || command === '--help' ? 0 : 2);
  }
  let running;
  try {
    running = await run(configPath(args));
  } catch (error) {
    fail(error);
  }
  stopOnSignals(running, running.sidecar.config.defaults.drainTimeoutMs);
}

await main(process.argv.slice(2));
