/**
 * Keeps a started sidecar running until SIGTERM or SIGINT, then drains and exits 0. On a
 * terminal it first prints what it serves as a table; piped, the output is the JSON log only.
 */
import type { MeshConfig } from '../config/index.js';
import type { Running } from '../main.js';

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

/** Resolves with the exit code once a signal has stopped the sidecar (and `also`). */
export function serveUntilSignal(running: Running, also: () => Promise<void> = async () => {}): Promise<number> {
  if (process.stderr.isTTY) process.stderr.write(`\n${portsTable(running.sidecar.config)}\n\nStop with Ctrl-C.\n\n`);
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      running.log.info({ signal }, 'stopping');
      also()
        .then(() => running.stop())
        .then(
          () => resolve(0),
          (error: unknown) => {
            running.log.error({ err: String(error) }, 'shutdown failed');
            resolve(1);
          },
        );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}
