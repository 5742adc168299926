/**
 * The composition root: registers the plugins once, then wires config -> sidecar.
 * Nothing imports this file except the CLI and tests that run a whole sidecar.
 */
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { createRootLogger, setRootLogger, type Logger } from './core/index.js';
import { isProtocolRegistered, setupProtocols } from './codecs/index.js';
import { loadProtocolModules } from './codecs/modules.js';
import {
  ConfigError,
  DEFAULT_CONFIG_YAML,
  checkConfig,
  parseConfig,
  pluginsIn,
  readConfigFile,
  watchConfig,
  type ConfigCheckers,
  type ConfigWatcher,
  type MeshConfig,
} from './config/index.js';
import { AUTO_PROTOCOL, balancerProblem, setupBalancers } from './proxy/index.js';
import { createRegistry, parseRegistryConfig, setup as setupRegistries, type Registry } from './registry/index.js';
import { Sidecar } from './sidecar.js';

export { Sidecar } from './sidecar.js';

let setUp = false;

/** Registers every built-in plugin; idempotent. */
export function setup(): void {
  if (setUp) return;
  setUp = true;
  setupProtocols();
  setupBalancers();
  setupRegistries();
}

export const checkers: ConfigCheckers = {
  isProtocol: (name) => name === AUTO_PROTOCOL || isProtocolRegistered(name),
  balancerProblem: (spec) => balancerProblem(spec),
  checkRegistry: (raw) => {
    const { type, dataDir: _dataDir, ...backendConfig } = raw;
    try {
      parseRegistryConfig(type, backendConfig);
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  },
};

/**
 * Loads and validates a config file, or the built-in default when no path is given. The
 * protocol plug-ins the file names are imported first: its listeners and clusters may use them.
 */
export async function loadConfig(path: string | undefined): Promise<MeshConfig> {
  setup();
  if (!path) return parseConfig(DEFAULT_CONFIG_YAML, '(built-in default)', checkers);
  const raw = readConfigFile(path);
  await loadPlugins(pluginsIn(raw), path);
  return checkConfig(raw, path, checkers);
}

/**
 * Imports and registers the protocol plug-ins `plugins` names (paths relative to the config
 * file); returns the modules as imported, which workers import in turn. Idempotent.
 */
async function loadPlugins(plugins: readonly string[], path: string | undefined): Promise<readonly string[]> {
  if (plugins.length === 0) return [];
  const { modules, problems } = await loadProtocolModules(plugins, path ? dirname(path) : process.cwd());
  if (problems.length > 0) throw new ConfigError(path ?? '(config)', problems);
  return modules;
}

export interface Running {
  /** The sidecar, or with `workers: N` its primary: the config in force and the one registry. */
  readonly sidecar: { readonly config: MeshConfig; readonly registry: Registry };
  readonly log: Logger;
  stop(drainMs?: number): Promise<void>;
}

/** Starts a sidecar; with a path, the file is watched and reloaded on change. */
export async function run(path: string | undefined, given?: MeshConfig): Promise<Running> {
  const config = given ?? (await loadConfig(path));
  const plugins = await loadPlugins(config.plugins, path);
  const log = createRootLogger(config.logging.level);
  setRootLogger(log);
  const workers = config.workers === 'auto' ? availableParallelism() : config.workers;
  if (workers > 1) {
    // Loaded only here: one worker is today's single process, with no cluster module and no IPC.
    const { startPrimary } = await import('./workers/primary.js');
    return startPrimary({ path, config, workers, plugins, checkers, log });
  }
  const { dataDir, ...registryConfig } = config.registry;
  // A registry that cannot be reached yet still starts (from its caches) and keeps trying.
  const registry = createRegistry(registryConfig, { dataDir, logger: log.child({ module: 'registry' }) });
  await registry.start();
  let sidecar: Sidecar;
  try {
    sidecar = await Sidecar.start(config, log, registry);
  } catch (error) {
    await registry.close();
    throw error;
  }
  let watcher: ConfigWatcher | undefined;
  if (path) {
    watcher = watchConfig(
      path,
      checkers,
      (next) => {
        sidecar.reload(next).catch((error: unknown) => log.error({ err: String(error) }, 'reload failed; keeping what runs'));
      },
      log,
    );
  }
  return {
    sidecar,
    log,
    async stop(drainMs = config.defaults.drainTimeoutMs) {
      watcher?.close();
      await sidecar.shutdown(drainMs);
      await registry.close();
    },
  };
}

/**
 * A worker of `workers: N`, forked by the primary (`pmesh` itself: cli/main.ts sees it is a
 * worker); runs until the primary disconnects and resolves with the exit code.
 */
export async function runWorker(): Promise<number> {
  setup();
  const { startWorker } = await import('./workers/worker.js');
  return startWorker();
}
