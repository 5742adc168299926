/**
 * A route may leave out its cluster when it names a service: it then goes to the
 * cluster configured for that service, or to one made for it here, which takes its
 * endpoints from the registry and speaks the listener's protocol (pass-through).
 */
import { clusterSchema, type MeshConfig, type ParsedConfig } from './schema.js';

type ClusterConfig = ParsedConfig['clusters'][number];

/** `com.example.Echo:1.0` -> interface and version, as route matches write services. */
function splitService(service: string): { interface: string; version?: string } {
  const [iface = service, version] = service.split(':');
  return version ? { interface: iface, version } : { interface: iface };
}

function serves(cluster: ClusterConfig, service: string): boolean {
  if (cluster.service === undefined) return false;
  const wanted = splitService(service);
  return cluster.service === wanted.interface && (wanted.version === undefined || cluster.version === wanted.version);
}

export function resolveServiceRoutes(config: ParsedConfig): MeshConfig {
  const clusters = [...config.clusters];
  const listeners = config.listeners.map((listener) => ({
    ...listener,
    routes: listener.routes.map((route) => {
      if (route.cluster !== undefined) return { ...route, cluster: route.cluster };
      // A split route's `cluster` is its first one (for what names a route's cluster); calls go by weight.
      if (route.clusters !== undefined) return { ...route, cluster: route.clusters[0]!.name };
      const service = route.match.service ?? '';
      let cluster = clusters.find((c) => serves(c, service) && c.protocol === listener.protocol) ?? clusters.find((c) => serves(c, service));
      if (!cluster) {
        const wanted = splitService(service);
        // Every other setting takes the schema's defaults.
        cluster = clusterSchema.parse({
          name: `service:${listener.protocol}:${service}`,
          protocol: listener.protocol,
          service: wanted.interface,
          version: wanted.version,
        });
        if (!clusters.some((c) => c.name === cluster!.name)) clusters.push(cluster);
      }
      return { ...route, cluster: cluster.name };
    }),
  }));
  return { ...config, listeners, clusters };
}
