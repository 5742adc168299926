/**
 * `pmesh status`: the running sidecar at a glance, from its admin API: readiness and
 * listeners, clusters with their endpoints' health, the registry, and the errors counted
 * since it started (by reason). Exit codes: 0 healthy, 1 a problem shown, 2 usage.
 */
import { parseArgs } from 'node:util';
import { AdminApi, AdminApiError, type ClustersView, type ConfigView, type ReadyView } from './admin-api.js';
import { ADMIN_FLAGS, ADMIN_USAGE, adminTarget } from './admin-target.js';
import type { CliCommand } from './command.js';

const USAGE = `usage: pmesh status [--admin host:port] [--config FILE] [--token-file FILE] [--ca-file FILE] [--timeout MS]

Shows the running sidecar's listeners, clusters and their endpoints' health, the
registry, and the errors counted since it started, read from its admin API (over HTTPS
and with its bearer token when it is guarded: admin.tls, admin.tokenFile).

options:
${ADMIN_USAGE}
  --timeout MS        per request (default 2000)
  -h, --help          this text

exit codes: 0 healthy, 1 a problem shown (not ready, a listener not bound, an ejected endpoint,
the registry not connected, no sidecar), 2 usage`;

/** Counters worth a line when non-zero: metric name -> the label that says why. */
const ERROR_COUNTERS: Readonly<Record<string, string>> = {
  pmesh_request_errors_total: 'reason',
  pmesh_codec_errors_total: 'reason',
  pmesh_limit_exceeded_total: 'limit',
  pmesh_control_refusals_total: 'reason',
};

export const statusCommand: CliCommand = {
  name: 'status',
  summary: "show the running sidecar's listeners, clusters, health and errors",
  usage: USAGE,
  async run(argv) {
    let values;
    try {
      ({ values } = parseArgs({
        args: argv,
        strict: true,
        options: { ...ADMIN_FLAGS, timeout: { type: 'string', default: '2000' }, help: { type: 'boolean', short: 'h' } },
      }));
    } catch (error) {
      process.stderr.write(`pmesh status: ${(error as Error).message}\n${USAGE}\n`);
      return 2;
    }
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const timeoutMs = Number(values.timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    const { address, connection } = await adminTarget(values);
    const admin = new AdminApi(address, timeoutMs, connection);
    let views: [ReadyView, ConfigView, ClustersView, string];
    try {
      views = await Promise.all([admin.ready(), admin.config(), admin.clusters(), admin.metrics()]);
    } catch (error) {
      const fix = error instanceof AdminApiError ? error.fix : 'start the sidecar (pmesh start --config FILE), or pass its admin address with --admin host:port';
      process.stdout.write(`PROBLEM ${(error as Error).message}\n    fix: ${fix}\n`);
      return 1;
    } finally {
      await admin.close();
    }
    const [ready, config, clusters, metrics] = views;
    const { text, problems } = show(admin.address, ready, config, clusters, metrics);
    process.stdout.write(text);
    return problems > 0 ? 1 : 0;
  },
};

function show(address: string, ready: ReadyView, config: ConfigView, clusters: ClustersView, metrics: string): { text: string; problems: number } {
  const lines: string[] = [`sidecar (admin ${address}): ${ready.ready ? 'ready' : 'NOT READY'}`];
  let problems = ready.ready ? 0 : 1;
  lines.push('', 'listeners:');
  for (const listener of config.listeners) {
    // /ready lists the listeners that are bound (name -> address).
    const bound = listener.name in ready.listeners;
    if (!bound) problems++;
    const routes = listener.routes.map((r) => `${r.match.service ?? '*'} -> ${r.cluster ?? '(none)'}`).join(', ');
    lines.push(`  ${listener.name.padEnd(16)} ${listener.protocol.padEnd(6)} ${listener.address.padEnd(21)} ${bound ? 'listening' : 'NOT LISTENING'}${listener.ingress ? ' (ingress)' : ''}${routes ? `  routes: ${routes}` : ''}`);
  }
  lines.push('', 'clusters:');
  if (clusters.clusters.length === 0) lines.push('  (none)');
  for (const cluster of clusters.clusters) {
    const healthy = cluster.endpoints.filter((e) => e.health === 'healthy').length;
    lines.push(`  ${cluster.name.padEnd(16)} ${cluster.protocol.padEnd(6)} ${healthy}/${cluster.endpoints.length} healthy`);
    for (const endpoint of cluster.endpoints) {
      if (endpoint.health !== 'healthy') problems++;
      const failures = endpoint.consecutiveFailures > 0 ? `, ${endpoint.consecutiveFailures} failures in a row` : '';
      lines.push(`    ${endpoint.address.padEnd(21)} ${endpoint.health === 'healthy' ? 'healthy' : endpoint.health.toUpperCase()}, ${endpoint.connections} connection${endpoint.connections === 1 ? '' : 's'}${failures}`);
    }
  }
  if (clusters.registry) {
    const registry = clusters.registry;
    if (registry.status !== 'connected') problems++;
    lines.push('', `registry: ${config.registry.type}${config.registry.address ? ` at ${config.registry.address}` : ''}, ${registry.status}${registry.lastError ? ` (last error: ${registry.lastError.message})` : ''}`);
  }
  const errors = errorCounts(metrics);
  lines.push('', errors.length === 0 ? 'errors since start: none' : 'errors since start:');
  for (const [what, count] of errors) lines.push(`  ${String(count).padStart(6)}  ${what}`);
  return { text: `${lines.join('\n')}\n`, problems };
}

/** Non-zero error counters from the Prometheus text, summed by their reason. */
function errorCounts(metrics: string): [string, number][] {
  const totals = new Map<string, number>();
  for (const line of metrics.split('\n')) {
    const match = /^([a-z_]+)\{([^}]*)\} ([0-9.e+]+)$/.exec(line);
    if (!match) continue;
    const [, name = '', labels = '', value = '0'] = match;
    const label = ERROR_COUNTERS[name];
    if (!label || Number(value) === 0) continue;
    const reason = new RegExp(`${label}="([^"]*)"`).exec(labels)?.[1] ?? '?';
    const key = `${name.replace(/^pmesh_|_total$/g, '').replace(/_/g, ' ')}: ${reason}`;
    totals.set(key, (totals.get(key) ?? 0) + Number(value));
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}
