/**
 * A library loaded the first time it is used, not when the module naming it is imported:
 * a sidecar whose config never makes an HTTP/1 cluster, a ZooKeeper session or a gRPC
 * built-in call does not pay the memory and start-up time of undici, node-zookeeper-client
 * or grpc-js. Synchronous (CommonJS `require`), so the code using it keeps its shape.
 *
 *     const undici = lazyRequire<typeof import('undici')>('undici');
 *     new (undici().Pool)(origin);
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(id) as T);
}
