/**
 * How `pmesh start` ends. The first SIGTERM or SIGINT drains (bounded by the drain
 * timeout) and exits 0. The handlers are removed as that first signal arrives, so a
 * second one gets the default action and ends the process at once, whatever JavaScript
 * is doing. A shutdown that overruns the drain by FORCE_AFTER_DRAIN_MS exits 1 anyway.
 * Logs get a bounded last flush: a log reader that is gone or stalled never holds the
 * process (core/log.ts).
 */
import { closeLogOutput, type Logger } from './core/index.js';

/** What is stopped: the running sidecar (main.ts `Running`). */
export interface Stoppable {
  readonly log: Logger;
  stop(): Promise<void>;
}

const FORCE_AFTER_DRAIN_MS = 5_000;
const LOG_FLUSH_MS = 2_000;
const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

async function exit(code: number): Promise<never> {
  await closeLogOutput(LOG_FLUSH_MS);
  process.exit(code);
}

export function stopOnSignals(running: Stoppable, drainMs: number): void {
  const onSignal = (signal: NodeJS.Signals): void => {
    for (const name of SIGNALS) process.off(name, onSignal);
    running.log.info({ signal, drainMs }, 'stopping; a second signal ends the process at once');
    setTimeout(() => {
      running.log.error({ drainMs }, 'shutdown overran the drain deadline; exiting');
      void exit(1);
    }, drainMs + FORCE_AFTER_DRAIN_MS).unref();
    running.stop().then(
      () => exit(0),
      (error: unknown) => {
        running.log.error({ err: String(error) }, 'shutdown failed');
        return exit(1);
      },
    );
  };
  for (const name of SIGNALS) process.on(name, onSignal);
}
