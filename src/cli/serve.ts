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

/**
 * Catches SIGTERM and SIGINT from now on (call it before starting anything, so a signal that
 * arrives while the sidecar starts is not the default kill); resolves with the first one.
 */
export function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
}

/** Waits for `signal`, then stops `also` and the sidecar; resolves with the exit code. */
export async function serveUntil(signal: Promise<string>, running: Running, also: () => Promise<void> = async () => {}): Promise<number> {
  if (process.stderr.isTTY) process.stderr.write(`\n${portsTable(running.sidecar.config)}\n\nStop with Ctrl-C.\n\n`);
  running.log.info({ signal: await signal }, 'stopping');
  try {
    await also();
    await running.stop();
    return 0;
  } catch (error) {
    running.log.error({ err: String(error) }, 'shutdown failed');
    return 1;
  }
}
