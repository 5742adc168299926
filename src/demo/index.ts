/**
 * The demo: what `pmesh demo` runs next to the sidecar. Its providers of
 * com.example.EchoService (Node ones on the sidecar's codecs, or the Java ones) are
 * registered in the sidecar's registry, as a provider registering itself would be.
 */
import type { Logger } from '../core/index.js';
import type { Registry } from '../registry/index.js';
import { startJavaProviders } from './java.js';
import { DEMO_PROVIDERS, startDemoProviders } from './providers.js';

export { DEMO_CONFIG_YAML } from './config.js';
export { DEMO_PROVIDERS } from './providers.js';

/** Starts the providers and registers them; `close` unregisters and stops them. */
export async function startDemo(registry: Registry, log: Logger, java: boolean): Promise<{ close(): Promise<void> }> {
  const providers = java ? await startJavaProviders(log) : await startDemoProviders(log);
  const publications = DEMO_PROVIDERS.map((provider) => {
    const [host = '127.0.0.1', port = '0'] = provider.address.split(':');
    return { service: provider.service, version: provider.version, protocol: provider.protocol, host, port: Number(port), application: 'pmesh-demo' };
  });
  for (const publication of publications) await registry.publish(publication);
  return {
    async close() {
      for (const publication of publications) await registry.unpublish(publication).catch(() => {});
      await providers.close();
    },
  };
}
