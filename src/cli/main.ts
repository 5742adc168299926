/**
 * The `pmesh` command: global flags (--version, --help), then one command from commands.ts.
 * A bad command line exits 2 with a usage line; an invalid config exits 2 with every
 * problem named by its path; anything else that stops a command exits 1 with its message.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config/index.js';
import { UsageError } from './args.js';
import { COMMANDS } from './commands.js';
import { LOG_FLUSH_MS } from './serve.js';
import { PACKAGE_ROOT, closeLogOutput } from '../core/index.js';

const VERSION = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `usage: pmesh <command> [options]

A multi-protocol RPC mesh sidecar (HTTP/JSON, gRPC, SOFARPC over Bolt, Dubbo).

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}   ${c.summary}`).join('\n')}

options:
  -h, --help      this text; \`pmesh <command> --help\` for a command's own
  -v, --version   the version

environment:
  PMESH_CONFIG      the config file \`pmesh start\` uses when --config is not given
  PMESH_LOG_LEVEL   overrides logging.level`;
}

function usageLine(usage: string): string {
  return usage.split('\n')[0] ?? usage;
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    process.stdout.write(`${overview()}\n`);
    return first === undefined ? 2 : 0;
  }
  if (first === '-v' || first === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) {
    process.stderr.write(`pmesh: unknown ${first.startsWith('-') ? 'option' : 'command'} "${first}"\n${usageLine(overview())}\n(pmesh --help lists the commands)\n`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`pmesh ${command.name}: ${error.message}\n${usageLine(command.usage)}\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    process.stderr.write(`pmesh ${command.name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/** The process: one command, or a worker of `workers: N` (forked by its primary's node:cluster with PMESH_WORKER_INDEX) serving what its primary sends. */
async function runProcess(): Promise<never> {
  const code = process.env.PMESH_WORKER_INDEX === undefined ? await main(process.argv.slice(2)) : await (await import('../main.js')).runWorker();
  await closeLogOutput(LOG_FLUSH_MS);
  // Exit explicitly: a stopped sidecar may leave idle timers (registry retries) behind.
  process.exit(code);
}

// Not a top-level await: the build makes this module CommonJS (scripts/build.mjs), which has none.
// A failure rejects unhandled, which ends the process with its stack as a top-level await's did.
void runProcess();
