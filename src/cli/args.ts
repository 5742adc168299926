/**
 * Flag parsing for every command: node:util parseArgs in strict mode, so an unknown flag or
 * a flag missing its value is refused (exit 2) with the command's usage line, never ignored.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Thrown for a command line the command cannot run; main.ts prints it and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseFlags<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] ?? String(error));
  }
}

/** `--config FILE`, or PMESH_CONFIG, or undefined (the built-in config). */
export function configPath(flag: string | undefined): string | undefined {
  if (flag !== undefined && flag.trim() === '') throw new UsageError('--config needs a file name');
  return flag ?? (process.env.PMESH_CONFIG || undefined);
}
