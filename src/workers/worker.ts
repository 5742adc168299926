/**
 * A worker of `workers: N`: a process node:cluster forked from the primary, running the data
 * plane (listeners, clusters, filters) on the config the primary parsed and sends. Its listeners
 * are shared through the cluster module; its registry and app publications are the primary's,
 * over IPC. It starts, reloads and drains when the primary says so, answers the primary's
 * questions for the admin API (metrics, readiness, clusters), and exits when the primary
 * disconnects (after a drain, or because the primary is gone).
 */
import { createRootLogger, listenAsClusterWorker, setRootLogger, stopAccepting } from '../core/index.js';
import { capYoungGeneration } from '../core/young-generation.js';
import { reuseTurnBuffers } from '../core/joined-writes.js';
import { loadProtocolModules } from '../codecs/modules.js';
import type { MeshConfig } from '../config/index.js';
import { Sidecar } from '../sidecar.js';
import { RemoteAppPublications, type AppRoute } from './apps.js';
import { Channel, type Port } from './channel.js';
import { WorkerRegistry } from './ipc-registry.js';
import { relayTap } from './tap.js';

/** What the primary gives a worker that starts. */
export interface WorkerInit {
  readonly index: number;
  readonly config: MeshConfig;
  /** The protocol plug-in modules, as the primary imported them (resolved: no path relative to the config). */
  readonly plugins: readonly string[];
  /** The primary's registry backend name. */
  readonly backend: string;
  /** The app routes in force. */
  readonly routes: readonly AppRoute[];
}

const processPort: Port = {
  // After the primary disconnects a send fails: nothing is left to tell, and it must not throw an 'error' event.
  send: (message) => process.send?.(message, undefined, undefined, () => {}),
  onMessage: (listener) => process.on('message', listener),
};

/** Runs until the primary disconnects; resolves with the exit code. */
export async function startWorker(): Promise<number> {
  // Ctrl-C reaches every process of the group: the primary decides when and how this one drains.
  const ignore = (): void => {};
  process.on('SIGINT', ignore);
  process.on('SIGTERM', ignore);
  // A second disconnect from the primary (a failed start, then its stop) is an 'error' on the cluster worker: nothing to do.
  const { default: cluster } = await import('node:cluster');
  cluster.worker?.on('error', () => {});
  listenAsClusterWorker();
  const channel = new Channel(processPort);
  const gone = new Promise<void>((resolve) => process.once('disconnect', () => resolve()));
  const init = await channel.call<WorkerInit>('worker.init', { pid: process.pid });
  // The workers carry the calls, so the heap setting `pmesh start` applies to one process applies to each of them.
  capYoungGeneration(init.config.heap.maxSemiSpaceMiB);
  reuseTurnBuffers(init.config.heap.reuseWriteBuffers);
  const log = createRootLogger(init.config.logging.level).child({ worker: init.index });
  setRootLogger(log);
  const registry = new WorkerRegistry(channel, init.backend, log.child({ module: 'registry' }));
  let sidecar: Sidecar;
  try {
    const { problems } = await loadProtocolModules(init.plugins, process.cwd());
    if (problems.length > 0) throw new Error(problems.join('; '));
    sidecar = await Sidecar.start(init.config, log, registry, {
      apps: (workerRegistry, ingress) => new RemoteAppPublications(channel, workerRegistry, ingress, init.routes),
    });
  } catch (error) {
    channel.emit('worker.failed', { message: error instanceof Error ? error.message : String(error) });
    await gone;
    return 1;
  }
  channel.handle('worker.metrics', () => sidecar.metrics.registry.getMetricsAsJSON());
  channel.handle('worker.clusters', () => sidecar.clustersView());
  channel.handle('worker.readiness', () => sidecar.readiness());
  channel.handle('worker.ui.topology', () => sidecar.dashboard.topology());
  channel.handle('worker.ui.registry', () => sidecar.dashboard.registry());
  relayTap(channel, sidecar.tap);
  channel.on<MeshConfig>('worker.reload', (config) => {
    sidecar.reload(config).catch((error: unknown) => log.error({ err: String(error) }, 'reload failed; keeping what runs'));
  });
  // The first phase of the drain, in every worker at once: a socket the primary still hands over goes to a worker still accepting.
  channel.handle('worker.stopAccepting', () => stopAccepting());
  channel.handle<{ drainMs: number }>('worker.drain', async ({ drainMs }) => {
    await sidecar.shutdown(drainMs);
    await registry.close();
  });
  channel.emit('worker.ready', {});
  await gone;
  // The primary went without a drain (it crashed or was killed): stop at once.
  await sidecar.shutdown(0);
  channel.close('the primary is gone');
  return 0;
}
