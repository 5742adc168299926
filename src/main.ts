/**
 * The composition root: registers the plugins once, then wires config -> sidecar.
 * Nothing imports this file except the CLI and tests that run a whole sidecar.
 */
import { createRootLogger, setRootLogger, type Logger } from './core/index.js';
import { isProtocolRegistered, setupProtocols } from './codecs/index.js';
import {
  DEFAULT_CONFIG_YAML,
  loadConfigFile,
  parseConfig,
  watchConfig,
  type ConfigCheckers,
  type ConfigWatcher,
  type MeshConfig,
} from './config/index.js';
import { AUTO_PROTOCOL, balancerProblem, setupBalancers } from './proxy/index.js';
import { createRegistry, parseRegistryConfig, setup as setupRegistries } from './registry/index.js';
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

/** Loads and validates a config file, or the built-in default when no path is given. */
export function loadConfig(path: string | undefined): MeshConfig {
  setup();
  return path ? loadConfigFile(path, checkers) : parseConfig(DEFAULT_CONFIG_YAML, '(built-in default)', checkers);
}

export interface Running {
  readonly sidecar: Sidecar;
  readonly log: Logger;
  stop(drainMs?: number): Promise<void>;
}

/** Starts a sidecar; with a path, the file is watched and reloaded on change. */
export async function run(path: string | undefined, config: MeshConfig = loadConfig(path)): Promise<Running> {
  const log = createRootLogger(config.logging.level);
  setRootLogger(log);
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
      (error) => log.error({ reason: 'PMESH_CONFIG_INVALID', err: error.message }, 'changed config is invalid; keeping the one in force'),
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
