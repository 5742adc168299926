/**
 * docs/metrics.md lists every metric a running sidecar exports, with its labels, and the
 * Grafana dashboard in docs/ queries only metrics that exist.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startUpstream, type TestUpstream } from '../support/http-upstream.js';
import { REPO_ROOT } from '../support/maven.js';
import { freePort, refusedPort } from '../support/ports.js';
import { startInProcess } from '../support/sidecar.js';
import type { Running } from '../../src/main.js';

interface Exported {
  readonly type: string;
  readonly labels: Set<string>;
}

/** Metric families of a Prometheus text page: name -> type and every label seen on its samples. */
function parseExposition(text: string): Map<string, Exported> {
  const families = new Map<string, Exported>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) families.set(type[1]!, { type: type[2]!, labels: new Set() });
  }
  for (const line of text.split('\n')) {
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? /.exec(line);
    if (!sample) continue;
    const family = families.get(sample[1]!) ?? families.get(sample[1]!.replace(/_(bucket|sum|count)$/, ''));
    for (const [, label] of (sample[2] ?? '').matchAll(/(\w+)="/g)) if (label !== 'le' && label !== 'quantile') family?.labels.add(label!);
  }
  return families;
}

/** The rows of docs/metrics.md's tables: metric name (or `prefix_*`) -> its documented labels. */
function documented(markdown: string): Map<string, Set<string> | 'any'> {
  const rows = new Map<string, Set<string> | 'any'>();
  for (const line of markdown.split('\n')) {
    const row = /^\| `(pmesh_[\w*]+)` \|[^|]+\|([^|]*)\|/.exec(line);
    if (!row) continue;
    rows.set(row[1]!, row[2]!.trim() === 'various' ? 'any' : new Set([...row[2]!.matchAll(/`(\w+)`/g)].map((m) => m[1]!)));
  }
  return rows;
}

function docFor(rows: Map<string, Set<string> | 'any'>, name: string): Set<string> | 'any' | undefined {
  return rows.get(name) ?? [...rows].find(([key]) => key.endsWith('*') && name.startsWith(key.slice(0, -1)))?.[1];
}

let sidecar: Running;
let echo: TestUpstream;
let exported: Map<string, Exported>;

beforeAll(async () => {
  echo = await startUpstream();
  const [proxyPort, adminPort, deadPort] = [await freePort(), await freePort(), await refusedPort()];
  sidecar = await startInProcess(`
admin: { address: 127.0.0.1:${adminPort} }
listeners:
  - name: http-egress
    protocol: http1
    address: 127.0.0.1:${proxyPort}
    routes:
      - { match: { host: echo.local }, cluster: echo }
      - { match: { host: dead.local }, cluster: dead }
clusters:
  - { name: echo, protocol: http1, endpoints: [${echo.address}] }
  - { name: dead, protocol: http1, endpoints: [127.0.0.1:${deadPort}] }
`);
  // Calls that succeed and fail, so labelled series exist and their labels can be read.
  for (const host of ['echo.local', 'dead.local', 'nobody.local']) {
    const answer = await request(`http://127.0.0.1:${proxyPort}/probe`, { method: 'POST', headers: { host, 'content-length': '2' }, body: '{}' });
    await answer.body.dump();
  }
  exported = parseExposition(await (await request(`http://127.0.0.1:${adminPort}/metrics`)).body.text());
}, 60_000);

afterAll(async () => {
  await sidecar?.stop(200);
  await echo?.close();
});

describe('metrics reference', () => {
  it('documents every exported metric and each of its labels in docs/metrics.md', () => {
    const rows = documented(readFileSync(join(REPO_ROOT, 'docs/metrics.md'), 'utf8'));
    expect(exported.size).toBeGreaterThan(20);
    const missing: string[] = [];
    for (const [name, family] of exported) {
      const doc = docFor(rows, name);
      if (!doc) missing.push(name);
      else if (doc !== 'any') for (const label of family.labels) if (!doc.has(label)) missing.push(`${name}{${label}}`);
    }
    expect(missing).toEqual([]);
    // The RED labels are really there, not just documented.
    expect([...exported.get('pmesh_requests_total')!.labels].sort()).toEqual(['cluster', 'listener', 'method', 'outcome', 'route', 'service']);
    expect([...exported.get('pmesh_upstream_requests_total')!.labels].sort()).toEqual(['cluster', 'endpoint', 'outcome']);
  });

  it('lists no metric the sidecar does not export', () => {
    const rows = documented(readFileSync(join(REPO_ROOT, 'docs/metrics.md'), 'utf8'));
    const stale = [...rows.keys()].filter((name) => !name.endsWith('*') && !exported.has(name));
    expect(stale).toEqual([]);
  });

  it('queries in the Grafana dashboard name only exported metrics', () => {
    const dashboard = JSON.parse(readFileSync(join(REPO_ROOT, 'docs/grafana-dashboard.json'), 'utf8')) as { panels: { targets?: { expr: string }[] }[]; templating: { list: { query?: unknown }[] } };
    const queries = [
      ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr)),
      ...dashboard.templating.list.map((variable) => JSON.stringify(variable.query ?? '')),
    ];
    const names = new Set(queries.flatMap((query) => [...query.matchAll(/\bpmesh_\w+/g)].map((m) => m[0])));
    expect(names.size).toBeGreaterThan(15);
    const unknown = [...names].filter((name) => !exported.has(name) && !exported.has(name.replace(/_(bucket|sum|count)$/, '')));
    expect(unknown).toEqual([]);
  });
});
