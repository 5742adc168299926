/**
 * The root pino logger and the child-per-module helper. Child loggers serialize
 * their bindings once when created, so one per connection costs nothing per line.
 */
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

const REDACT = ['req.headers.authorization', 'headers.authorization', '*.password', '*.token', '*.secret'];

/**
 * JSON lines with ISO 8601 times for machines; readable colored lines when stdout is a
 * terminal (a person watching). PMESH_LOG_LEVEL, when set, wins over the config's level.
 */
export function createRootLogger(level: string = 'info'): Logger {
  const options = { level: process.env.PMESH_LOG_LEVEL || level, base: { app: 'pmesh' }, redact: { paths: REDACT, censor: '[redacted]' }, timestamp: pino.stdTimeFunctions.isoTime };
  if (!process.stdout.isTTY) return pino(options);
  return pino(options, pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,app', sync: true }));
}

let root: Logger | undefined;

/** The process-wide logger; tests may replace it with `setRootLogger`. */
export function rootLogger(): Logger {
  root ??= createRootLogger();
  return root;
}

export function setRootLogger(logger: Logger): void {
  root = logger;
}

export function moduleLogger(module: string): Logger {
  return rootLogger().child({ module });
}
