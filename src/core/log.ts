/**
 * The root pino logger and the child-per-module helper. Child loggers serialize
 * their bindings once when created, so one per connection costs nothing per line.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

const REDACT = ['req.headers.authorization', 'headers.authorization', '*.password', '*.token', '*.secret'];

export function createRootLogger(level: string = process.env.PMESH_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { app: 'pmesh' }, redact: { paths: REDACT, censor: '[redacted]' } });
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
