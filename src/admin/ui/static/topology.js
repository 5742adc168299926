// Topology: callers -> listeners -> services -> clusters -> endpoints, one block per sidecar,
// with health, ejections, breaker state and RED numbers (rate, errors, mean latency) per edge.
import { el } from './api.js';

const COLUMNS = ['Apps (callers)', 'Listeners', 'Services', 'Clusters', 'Endpoints'];
/** The previous reading per sidecar and edge, to turn totals into rates. */
const previous = new Map();

function sum(edges, keyOf) {
  const out = new Map();
  for (const edge of edges) {
    const key = keyOf(edge);
    if (key === undefined) continue;
    const acc = out.get(key) ?? { ok: 0, failed: 0, seconds: 0, timed: 0 };
    acc.ok += edge.ok; acc.failed += edge.failed; acc.seconds += edge.seconds; acc.timed += edge.timed;
    out.set(key, acc);
  }
  return out;
}

function label(sidecar, id, stats, now) {
  if (!stats) return '';
  const key = `${sidecar}|${id}`;
  const before = previous.get(key);
  previous.set(key, { ...stats, at: now });
  const calls = stats.ok + stats.failed;
  const ms = (seconds, timed) => (timed > 0 ? ` · ${((seconds / timed) * 1000).toFixed(1)} ms` : '');
  if (!before || now <= before.at) return `${calls} calls · ${calls ? Math.round((stats.failed / calls) * 100) : 0}% err${ms(stats.seconds, stats.timed)}`;
  const dt = (now - before.at) / 1000;
  const dCalls = calls - before.ok - before.failed;
  const dFailed = stats.failed - before.failed;
  const recent = ms(stats.seconds - before.seconds, stats.timed - before.timed);
  return `${(dCalls / dt).toFixed(1)}/s · ${dCalls ? Math.round((dFailed / dCalls) * 100) : 0}% err${recent || ms(stats.seconds, stats.timed)}`;
}

/** Services are keyed by interface: a route may name `interface:version`, calls carry the interface. */
function serviceId(service) {
  return `s:${service.split(':')[0]}`;
}

function breakerOpen(cluster) {
  const b = cluster.circuitBreaker;
  if (!b) return [];
  const connections = cluster.endpoints.reduce((n, e) => n + e.connections, 0);
  return [
    connections >= b.maxConnections && 'maxConnections',
    cluster.pending >= b.maxPending && 'maxPending',
    cluster.inFlight >= b.maxRequests && 'maxRequests',
    cluster.retries >= b.maxRetries && 'maxRetries',
  ].filter(Boolean);
}

/** Builds the node and edge lists of one sidecar's topology. */
function graph(topo, peersByListener) {
  const nodes = COLUMNS.map(() => new Map());
  const edges = [];
  const add = (column, id, content, cls) => { if (!nodes[column].has(id)) nodes[column].set(id, { id, content, cls }); };
  const calls = topo.red.calls.filter((c) => c.service !== '');
  for (const listener of topo.listeners) {
    const conns = topo.red.connections[listener.name] ?? 0;
    add(1, `l:${listener.name}`, [el('b', {}, listener.name), el('small', {}, `${listener.protocol} ${listener.address}${listener.ingress ? ' · ingress' : ''}`)]);
    if (conns > 0 || calls.some((c) => c.listener === listener.name)) {
      add(0, `a:${listener.name}`, [el('b', {}, listener.ingress ? 'remote callers' : 'local app'), el('small', {}, `${conns} connection${conns === 1 ? '' : 's'} to ${listener.name}`)]);
      edges.push({ from: `a:${listener.name}`, to: `l:${listener.name}`, text: `${conns} conn` });
    }
    for (const route of listener.routes) {
      const service = route.service ?? route.name ?? '(any)';
      const id = serviceId(service);
      add(2, id, [el('b', {}, service)]);
      edges.push({ from: `l:${listener.name}`, to: id, id: `ls|${listener.name}|${id}` });
      for (const cluster of route.clusters ?? [route.cluster]) edges.push({ from: id, to: `c:${cluster}`, id: `sc|${id}|${cluster}` });
    }
  }
  for (const call of calls) {
    const id = serviceId(call.service);
    add(2, id, [el('b', {}, call.service)]);
    edges.push({ from: `l:${call.listener}`, to: id, id: `ls|${call.listener}|${id}` });
    if (call.cluster) edges.push({ from: id, to: `c:${call.cluster}`, id: `sc|${id}|${call.cluster}` });
  }
  const apps = new Map(topo.apps.map((app) => [app.appAddress, app]));
  for (const cluster of topo.clusters) {
    const open = breakerOpen(cluster);
    add(3, `c:${cluster.name}`, [
      el('b', {}, cluster.name),
      el('small', {}, `${cluster.protocol} · ${cluster.balancer} · ${cluster.healthy}/${cluster.endpoints.length} healthy · ${cluster.inFlight ?? 0} in flight`),
      el('small', {}, open.length ? `breaker OPEN: ${open.join(', ')}` : 'breaker closed'),
      cluster.registry ? el('small', {}, `registry: ${cluster.registry.service} (${cluster.registry.backend})`) : null,
    ], open.length ? 'breaker-open' : '');
    for (const endpoint of cluster.endpoints) {
      const id = `e:${cluster.name}|${endpoint.address}`;
      const app = apps.get(endpoint.address);
      const peer = peersByListener.get(endpoint.address);
      add(4, id, [
        el('b', {}, endpoint.address),
        el('small', {}, `${endpoint.health}${endpoint.why ? ` (${endpoint.why})` : ''} · ${endpoint.connections} conn · ${endpoint.inFlight} in flight · ${endpoint.consecutiveFailures} failures in a row`),
        app ? el('small', {}, `app: ${app.application ?? app.service}`) : null,
        peer ? el('small', {}, `sidecar ${peer.sidecar}, listener ${peer.listener}`) : null,
      ], `${endpoint.health}${peer ? ' peer' : ''}`);
      edges.push({ from: `c:${cluster.name}`, to: id, id: `ce|${cluster.name}|${endpoint.address}` });
    }
  }
  const stats = new Map([
    ...[...sum(calls, (c) => `ls|${c.listener}|${serviceId(c.service)}`)],
    ...[...sum(calls, (c) => (c.cluster ? `sc|${serviceId(c.service)}|${c.cluster}` : undefined))],
    ...[...sum(topo.red.attempts, (a) => `ce|${a.cluster}|${a.endpoint}`)],
  ]);
  const seen = new Set();
  const unique = edges.filter((e) => {
    const key = `${e.from}>${e.to}`;
    if (seen.has(key) || !e.from || !e.to) return false;
    seen.add(key);
    return true;
  });
  return { nodes, edges: unique, stats };
}

function drawEdges(block, columns, edges, stats, sidecar) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('class', 'edges');
  const origin = block.getBoundingClientRect();
  const now = Date.now();
  for (const edge of edges) {
    const from = columns.querySelector(`[data-node="${CSS.escape(edge.from)}"]`);
    const to = columns.querySelector(`[data-node="${CSS.escape(edge.to)}"]`);
    if (!from || !to) continue;
    const a = from.getBoundingClientRect();
    const b = to.getBoundingClientRect();
    const x1 = a.right - origin.left, y1 = a.top + a.height / 2 - origin.top;
    const x2 = b.left - origin.left, y2 = b.top + b.height / 2 - origin.top;
    const path = document.createElementNS(svg.namespaceURI, 'path');
    path.setAttribute('d', `M${x1},${y1} C${(x1 + x2) / 2},${y1} ${(x1 + x2) / 2},${y2} ${x2},${y2}`);
    const s = edge.id ? stats.get(edge.id) : undefined;
    if (s && s.failed > 0) path.setAttribute('class', 'failing');
    svg.append(path);
    const text = edge.text ?? (edge.id ? label(sidecar, edge.id, s, now) : '');
    if (text) {
      const t = document.createElementNS(svg.namespaceURI, 'text');
      t.setAttribute('x', String((x1 + x2) / 2));
      t.setAttribute('y', String((y1 + y2) / 2 - 4));
      t.setAttribute('text-anchor', 'middle');
      t.setAttribute('data-edge', edge.id ?? '');
      t.textContent = text;
      svg.append(t);
    }
  }
  block.append(svg);
}

/** Renders one sidecar's topology into `container` (replacing what was there). */
export function renderTopology(container, topo, title, peersByListener) {
  const { nodes, edges, stats } = graph(topo, peersByListener);
  const columns = el('div', { class: 'columns' }, COLUMNS.map((name, i) =>
    el('div', { class: 'column' }, el('h3', {}, name), [...nodes[i].values()].map((node) => el('div', { class: `node ${node.cls ?? ''}`, 'data-node': node.id }, node.content)))));
  const block = el('div', { class: 'topology', 'data-sidecar': topo.self }, el('h2', {}, title), columns);
  container.replaceChildren(block);
  drawEdges(block, columns, edges, stats, topo.self);
}
