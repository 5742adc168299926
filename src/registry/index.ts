/**
 * The registry's public entry point. Call `setup()` once at bootstrap, then
 * `createRegistry(config.registry ?? {type: 'embedded'}, {dataDir, logger})`.
 */
import { setup as setupEmbedded } from './embedded.js';
import { setup as setupZooKeeper } from './zookeeper/index.js';

export * from './registry.js';
export { EmbeddedRegistry, type EmbeddedConfig } from './embedded.js';
export { ZooKeeperRegistry, type ZooKeeperConfig } from './zookeeper/index.js';

/** Registers every built-in backend: `embedded` (the default) and `zookeeper`. */
export function setup(): void {
  setupEmbedded();
  setupZooKeeper();
}
export { handleAppApi, isAppApiTarget, appPublicationSchema, callerToken, type AppPublication, type AppRegistry } from './app-api.js';
export { handleSofaMeshApi, SOFA_MESH_OWNER, SOFA_MESH_BOLT_PORT, SOFA_MESH_HTTP_PORT, SOFA_MESH_PATHS, type SofaMeshDeps } from './sofa-mesh-api.js';
export { registryGrpcService, type GrpcServiceBinding } from './grpc-api.js';
export { REGISTRY_PROTO } from './grpc-api.js';
export { checkQuery } from './validate.js';
