/**
 * Keeps a started sidecar running until SIGTERM or SIGINT, then drains and exits 0. On a
 * terminal it first prints what it serves as a table; piped, the output is the JSON log only.
 *
 * The handlers are removed as the first signal arrives, so a second one gets the default
 * action and ends the process at once, whatever JavaScript is doing; a shutdown that
 * overruns the drain by FORCE_AFTER_DRAIN_MS exits 1 anyway. Logs get a bounded last
 * flush (core/log.ts): a log reader that is gone or stalled never holds the process.
 */
import { closeLogOutput } from '../core/index.js';
import type { MeshConfig } from '../config/index.js';
import type { Running } from '../main.js';

const FORCE_AFTER_DRAIN_MS = 5_000;
/** How long stdout gets to take the last log lines before the process exits. */
export const LOG_FLUSH_MS = 2_000;

/** The ports a config serves, one row each, as a person reads them. */
export function portsTable(config: MeshConfig): string {
  const rows: string[][] = [['admin', 'http', config.admin.address, '/ready /metrics /config /clusters']];
  for (const listener of config.listeners) {
    rows.push([listener.name, listener.protocol, listener.address, listener.ingress ? 'ingress: calls for apps published here' : `${listener.routes.length} route(s)`]);
  }
  if (config.sofaMeshApi) rows.push(['sofaMeshApi', 'http', config.sofaMeshApi.address, "SOFARPC's mesh registry API"]);
  const header = ['NAME', 'PROTOCOL', 'ADDRESS', 'WHAT'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]): string => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/**
 * Catches SIGTERM and SIGINT from now on (call it before starting anything, so a signal that
 * arrives while the sidecar starts is not the default kill); resolves with the first one.
 */
export function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

/** Waits for `signal`, then stops `also` and the sidecar; resolves with the exit code. */
export async function serveUntil(signal: Promise<string>, running: Running, also: () => Promise<void> = async () => {}): Promise<number> {
  if (process.stderr.isTTY) process.stderr.write(`\n${portsTable(running.sidecar.config)}\n\nStop with Ctrl-C.\n\n`);
  const drainMs = running.sidecar.config.defaults.drainTimeoutMs;
  running.log.info({ signal: await signal, drainMs }, 'stopping; a second signal ends the process at once');
  setTimeout(() => {
    running.log.error({ drainMs }, 'shutdown overran the drain deadline; exiting');
    void closeLogOutput(LOG_FLUSH_MS).then(() => process.exit(1));
  }, drainMs + FORCE_AFTER_DRAIN_MS).unref();
  try {
    await also();
    await running.stop();
    return 0;
  } catch (error) {
    running.log.error({ err: String(error) }, 'shutdown failed');
    return 1;
  }
}
