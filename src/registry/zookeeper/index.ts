/** The `zookeeper` registry backend: Dubbo's and SOFARPC's ZooKeeper layouts. */
import { registerBackend } from '../registry.js';
import { ZooKeeperRegistry } from './backend.js';
import { parseZooKeeperConfig, type ZooKeeperConfig } from './config.js';

export { ZooKeeperRegistry } from './backend.js';
export { parseZooKeeperConfig, ZOOKEEPER_DEFAULTS, type ZooKeeperConfig } from './config.js';
export { categoryPath, javaUrlDecode, javaUrlEncode, type Layout } from './paths.js';
export { decodeProvider, dubboProviderUrl, parseUrl, sofaProviderUrl } from './url.js';

/** Registers the `zookeeper` backend (docs/architecture.md). */
export function setup(): void {
  registerBackend<ZooKeeperConfig>({
    name: 'zookeeper',
    parseConfig: parseZooKeeperConfig,
    create: (config, context) => new ZooKeeperRegistry(config, context),
  });
}
