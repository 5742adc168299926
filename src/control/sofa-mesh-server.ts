/**
 * The HTTP server of SOFARPC's mesh registry API (config `sofaMeshApi`), on its own port as
 * SOFARPC apps expect (13330 by default), apart from the app-facing HTTP listener whose paths
 * belong to the proxy. The handlers are src/registry/sofa-mesh-api.ts; this file binds them to
 * the running sidecar: its app publications, and its Bolt egress read from the config in force
 * at each request, so a reload that moves the egress is seen at once. With `tls` and `tokenFile`
 * (required beyond loopback) it is served over HTTPS to holders of the bearer token; SOFARPC's
 * own client sends neither, so unmodified apps reach it on loopback.
 */
import type { Server } from 'node:http';
import { getProtocol } from '../codecs/index.js';
import { ApiAccess, guardHttp, guardedHttpServer, listenOn, readApiGuard, type CountRefusal, type Logger } from '../core/index.js';
import type { MeshConfig } from '../config/index.js';
import { handleSofaMeshApi, type AppRegistry } from '../registry/index.js';

export class SofaMeshServer {
  readonly address: string;
  readonly #server: Server;

  private constructor(address: string, server: Server) {
    this.address = address;
    this.#server = server;
  }

  /** Starts answering on `config().sofaMeshApi.address`; undefined when the section is absent. */
  static async start(config: () => MeshConfig, apps: AppRegistry, log: Logger, countRefusal: CountRefusal): Promise<SofaMeshServer | undefined> {
    const section = config().sofaMeshApi;
    if (!section) return undefined;
    const guard = readApiGuard('sofaMeshApi', section);
    const access = new ApiAccess('mesh registry API', { token: guard.token, onRefused: (reason) => countRefusal('sofa_mesh_api', reason) });
    const server = guardedHttpServer(
      guard,
      access,
      guardHttp((req, res) => {
        const current = config();
        handleSofaMeshApi(req, res, {
          apps,
          boltEgress: boltEgressOf(current),
          appPort: current.sofaMeshApi?.appPort ?? section.appPort,
          log,
        });
      }, log),
    );
    await listenOn(server, section.address, 'sofaMeshApi');
    log.info({ address: section.address, appPort: section.appPort, boltEgress: boltEgressOf(config()) }, 'SOFARPC mesh API ready');
    return new SofaMeshServer(section.address, server);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }
}

/** The listener SOFARPC apps send their calls to: one of the protocol they speak (the plug-in's `sofaMeshEgress`), not an ingress. */
function boltEgressOf(config: MeshConfig): string | undefined {
  return config.listeners.find((listener) => getProtocol(listener.protocol)?.sofaMeshEgress === true && !listener.ingress)?.address;
}
