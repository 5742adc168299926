// Registry, config and recent-errors views: plain tables over the admin API's JSON.
import { el, json } from './api.js';

function table(columns, rows) {
  return el('table', {}, el('thead', {}, el('tr', {}, columns.map((c) => el('th', {}, c)))),
    el('tbody', {}, rows.map((cells) => el('tr', {}, cells.map((cell) => el('td', {}, cell ?? ''))))));
}

export function renderRegistry(container, registry) {
  const state = registry.state;
  container.replaceChildren(
    el('h2', { class: 'section' }, `Registry: ${state.backend} (${state.status})`),
    table(['publications', 'subscriptions', 'events', 'last error'], [[state.publications, state.subscriptions, Object.entries(state.events).map(([k, v]) => `${k} ${v}`).join(', '), state.lastError?.message]]),
    el('h2', { class: 'section' }, 'Services this sidecar calls, and their providers'),
    table(['service', 'cluster', 'from', 'providers'], registry.subscriptions.map((s) => [s.service, s.cluster, `${s.backend} (${s.origin})`, s.providers.join(', ') || 'none'])),
    el('h2', { class: 'section' }, 'Publications of the apps behind this sidecar'),
    table(['service', 'version', 'protocol', 'app', 'published as', 'listener', 'failed checks'],
      registry.publications.map((p) => [p.service, p.version, p.appProtocol ? `${p.protocol} (app speaks ${p.appProtocol})` : p.protocol, p.appAddress, p.published, p.listener, p.failedChecks])),
  );
}

export function renderConfig(pre, config) {
  pre.textContent = json(config);
}

export function renderErrors(container, errors) {
  container.replaceChildren(
    el('h2', { class: 'section' }, `Recent errors (${errors.length})`),
    table(['time', 'listener', 'call', 'status', 'message', 'cluster → endpoint', 'ms'], errors.map((e) => [
      new Date(e.at).toISOString().slice(11, 23), e.listener, `${e.protocol} ${e.service}#${e.method}`, e.status, e.message, `${e.cluster ?? '-'} → ${e.endpoint ?? '-'}`, e.ms,
    ])),
  );
}
