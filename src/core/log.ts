/**
 * The root pino logger and the child-per-module helper. Child loggers serialize
 * their bindings once when created, so one per connection costs nothing per line.
 */
import { pino, type Logger } from 'pino';
import { lazyRequire } from './lazy-require.js';
import { isoTime } from './utc-time.js';

export type { Logger };

/** Only a terminal gets pretty lines: a sidecar whose stdout is a pipe or file never loads it. */
const pretty = lazyRequire<typeof import('pino-pretty')>('pino-pretty');

const REDACT = ['req.headers.authorization', 'headers.authorization', '*.password', '*.token', '*.secret'];

/** Log bytes waiting for a slow reader before new lines are dropped rather than held. */
const MAX_QUEUED_LOG_BYTES = 16 * 1024 * 1024;

let output: ReturnType<typeof pino.destination> | undefined;

/**
 * stdout, one per process, written asynchronously: a reader that stalls costs at most
 * MAX_QUEUED_LOG_BYTES and never the event loop. pino stops writing on EPIPE (the reader
 * is gone); no other write error may end the process either.
 */
function stdout(): ReturnType<typeof pino.destination> {
  if (!output) {
    // minLength 1 writes as soon as there is a byte, like 0, but makes flush(cb) wait for the write.
    output = pino.destination({ dest: 1, sync: false, minLength: 1, maxLength: MAX_QUEUED_LOG_BYTES });
    output.on('error', () => {});
  }
  return output;
}

/** pino's `isoTime` without toISOString, which loads ICU's time-zone data (utc-time.ts). */
const isoTimestamp = (): string => `,"time":"${isoTime(Date.now())}"`;

/**
 * pino's error serializer with the type taken from `error.name` rather than the class's
 * name, which the bundle minifies (scripts/build.mjs): each error class of ours names itself,
 * as Node's and V8's own do.
 */
function errorForLog(error: unknown): unknown {
  const out = pino.stdSerializers.err(error as Error);
  if (error instanceof Error && out && typeof out === 'object') (out as { type: string }).type = error.name;
  return out;
}

/**
 * JSON lines with ISO 8601 times for machines, on the bounded asynchronous stdout above;
 * readable colored lines when stdout is a terminal (a person watching). PMESH_LOG_LEVEL,
 * when set, wins over the config's level.
 */
export function createRootLogger(level: string = 'info'): Logger {
  const options = { level: process.env.PMESH_LOG_LEVEL || level, base: { app: 'pmesh' }, redact: { paths: REDACT, censor: '[redacted]' }, timestamp: isoTimestamp, serializers: { err: errorForLog } };
  if (!process.stdout.isTTY) return pino(options, stdout());
  return pino(options, pretty()({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,app', sync: true }));
}

/**
 * Call last before the process exits: stdout gets at most `maxMs` to take what is queued,
 * then is let go. Without this pino's exit hook writes the rest synchronously and, on a pipe
 * whose reader is gone (EPIPE) or stalled, retries every 100 ms for ever: a sidecar started
 * through npx outlived SIGTERM that way.
 */
export async function closeLogOutput(maxMs: number): Promise<void> {
  const out = output;
  if (!out) return;
  await Promise.race([
    new Promise<void>((resolve) => out.flush(() => resolve())),
    new Promise<void>((resolve) => setTimeout(resolve, maxMs).unref()),
  ]);
  output = undefined;
  out.destroy();
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
