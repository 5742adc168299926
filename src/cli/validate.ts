/** `pmesh validate FILE...`: checks config files without starting anything. */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/index.js';
import { UsageError, parseFlags } from './args.js';
import type { CliCommand } from './command.js';
import { help } from './start.js';

export const validate: CliCommand = {
  name: 'validate',
  summary: 'check config files without starting; every problem is named by its path',
  usage: `usage: pmesh validate FILE...

Checks each file as \`pmesh start --config FILE\` would, reports every problem of each
(\`listeners[0].address: expected host:port\`) in one run, and starts nothing.

options:
  -h, --help   this text

exit codes: 0 every file is valid, 2 a file is invalid (or no file was named)`,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {}, true);
    if (values.help) return help(this.usage);
    if (positionals.length === 0) throw new UsageError('name the config file(s) to check');
    // Imported here, not at the top: the other commands do not load the sidecar.
    const { loadConfig } = await import('../main.js');
    let failed = false;
    for (const path of positionals) {
      try {
        await loadConfig(path);
        if (isEmpty(path)) process.stderr.write(`${path}: warning: the file is empty; every setting takes its default (no listeners)\n`);
        process.stdout.write(`${path}: ok\n`);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        process.stderr.write(`${error.message}\n`);
        failed = true;
      }
    }
    return failed ? 2 : 0;
  },
};

/** Nothing but whitespace and comments. */
function isEmpty(path: string): boolean {
  return readFileSync(path, 'utf8')
    .split('\n')
    .every((line) => line.trim() === '' || line.trim().startsWith('#'));
}
