// The dashboard's entry: tabs, and a 2 s poll of the visible view. Peers (other sidecars'
// admin addresses) come from admin.peers and from the form, kept in localStorage.
import { getJson, peerPath } from './api.js';
import { renderTopology } from './topology.js';
import { setupTap } from './tap.js';
import { renderConfig, renderErrors, renderRegistry } from './tables.js';

const POLL_MS = 2000;
let current = 'topology';
const added = new Set(JSON.parse(localStorage.getItem('pmesh-peers') ?? '[]'));

function show(view) {
  current = view;
  for (const button of document.querySelectorAll('nav button')) button.classList.toggle('active', button.dataset.view === view);
  for (const section of document.querySelectorAll('.view')) section.classList.toggle('active', section.id === `view-${view}`);
  void refresh();
}

/** Each peer's listener addresses, so an endpoint that is another sidecar's listener says so. */
function listenerIndex(topologies) {
  const index = new Map();
  for (const topo of topologies) for (const l of topo.listeners) index.set(l.address, { sidecar: topo.self, listener: l.name });
  return index;
}

async function refreshTopology() {
  const self = await getJson('/ui/api/topology');
  document.getElementById('self').textContent = `admin ${self.self}`;
  const peers = [...new Set([...self.peers, ...added])];
  document.getElementById('peer-list').textContent = peers.length ? `joined: ${peers.join(', ')}` : '';
  const others = await Promise.all(peers.map((address) => getJson(peerPath(address, 'topology')).catch((error) => ({ error: String(error), self: address }))));
  const all = [self, ...others.filter((t) => !t.error)];
  const index = listenerIndex(all);
  const container = document.getElementById('topologies');
  const blocks = all.map((topo, i) => {
    const slot = document.createElement('div');
    container.append(slot);
    return [slot, topo, i === 0 ? `this sidecar (admin ${topo.self})` : `sidecar ${topo.self}`];
  });
  container.replaceChildren(...blocks.map(([slot]) => slot));
  for (const [slot, topo, title] of blocks) renderTopology(slot, topo, title, index);
  for (const failed of others.filter((t) => t.error)) {
    const note = document.createElement('p');
    note.className = 'muted';
    note.textContent = `sidecar ${failed.self}: ${failed.error}`;
    container.append(note);
  }
}

async function refresh() {
  const status = document.getElementById('status');
  try {
    if (current === 'topology') await refreshTopology();
    else if (current === 'registry') renderRegistry(document.getElementById('view-registry'), await getJson('/ui/api/registry'));
    else if (current === 'config') renderConfig(document.getElementById('config-json'), await getJson('/config'));
    else if (current === 'errors') renderErrors(document.getElementById('view-errors'), (await getJson('/ui/api/errors')).errors);
    status.textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    status.textContent = String(error);
  }
}

for (const button of document.querySelectorAll('nav button')) button.addEventListener('click', () => show(button.dataset.view));
document.getElementById('peer-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = document.getElementById('peer-address');
  if (input.value.trim()) added.add(input.value.trim());
  localStorage.setItem('pmesh-peers', JSON.stringify([...added]));
  input.value = '';
  void refresh();
});
setupTap(document.getElementById('tap-form'), document.getElementById('tap-table'), document.getElementById('tap-state'));
setInterval(() => void (current !== 'tap' && refresh()), POLL_MS);
void refresh();
