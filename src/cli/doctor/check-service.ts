/**
 * Doctor's findings about a service name, from the running sidecar: does its registry list
 * providers (with which version and group), does a route or a registry cluster reach the
 * service from this sidecar, are those endpoints healthy, and what does each provider speak.
 */
import { AdminApi, AdminApiError, dialable, registered, type ClustersView, type ConfigView, type ListenerView, type RegisteredView } from '../admin-api.js';
import { checkPeer } from './check-peer.js';
import { dubboMethods } from './dubbo-metadata.js';
import { info, ok, problem, type Finding } from './findings.js';
import type { ServiceQuery } from './types.js';


interface Reach {
  readonly listener: string;
  readonly cluster: string;
}

export async function checkService(admin: AdminApi, query: ServiceQuery, timeoutMs: number): Promise<Finding[]> {
  const { service } = query;
  let config: ConfigView;
  let clusters: ClustersView;
  try {
    [config, clusters] = await Promise.all([admin.config(), admin.clusters()]);
  } catch (error) {
    const fix = error instanceof AdminApiError ? error.fix : 'start the sidecar (pmesh start --config FILE), or pass its admin address with --admin host:port';
    return [problem(`${(error as Error).message}`, fix)];
  }
  const findings: Finding[] = [ok(`sidecar admin API at ${admin.address}`)];
  const registryName = config.registry.type + (config.registry.address ? ` at ${config.registry.address}` : '');
  if (clusters.registry && clusters.registry.status !== 'connected') {
    findings.push(problem(`registry ${registryName} is ${clusters.registry.status}${clusters.registry.lastError ? `: ${clusters.registry.lastError.message}` : ''}`,
      'check that the registry is running and reachable from this host (registry.address in the config)'));
  }

  const listed = await registeredProviders(config, query, timeoutMs, findings);
  const reaches = routesTo(config, service);
  const byCluster = new Map(clusters.clusters.map((c) => [c.name, c]));
  const addresses = new Map<string, { protocol: string; by: string; fix: string }>();

  if (listed && listed.endpoints.length > 0) {
    const described = listed.endpoints.map((e) => `${e.address} (${[e.metadata?.protocol, e.metadata?.version && `version ${e.metadata.version}`, e.metadata?.group && `group ${e.metadata.group}`].filter(Boolean).join(', ')})`);
    findings.push(ok(`registry ${registryName} lists ${listed.endpoints.length} provider${listed.endpoints.length === 1 ? '' : 's'} of ${service}: ${described.join('; ')}`));
    for (const endpoint of listed.endpoints) {
      if (endpoint.metadata?.protocol) addresses.set(endpoint.address, { protocol: endpoint.metadata.protocol, by: 'the registry', fix: `republish ${service} with protocol {protocol}` });
    }
  } else if (listed) {
    findings.push(info(`registry ${registryName} lists no provider of ${service}${query.version ? ` version ${query.version}` : ''}${query.group ? ` group ${query.group}` : ''}`));
  }

  for (const reach of reaches) {
    const cluster = byCluster.get(reach.cluster);
    if (!cluster) {
      findings.push(problem(`listener ${reach.listener} routes ${service} to cluster ${reach.cluster}, which does not exist`, `add a cluster named ${reach.cluster} to the config, or point the route at an existing cluster`));
      continue;
    }
    const healthy = cluster.endpoints.filter((e) => e.health === 'healthy');
    const line = `listener ${reach.listener} routes ${service} to cluster ${cluster.name} (${cluster.protocol}, ${cluster.endpoints.length} endpoint${cluster.endpoints.length === 1 ? '' : 's'}, ${healthy.length} healthy)`;
    if (cluster.endpoints.length === 0) findings.push(problem(`${line}`, `give cluster ${cluster.name} endpoints, or publish ${service} so the registry fills it`));
    else if (healthy.length === 0) findings.push(problem(`${line}: every endpoint is ejected after failures`, `check the providers below; the sidecar retries ejected endpoints on its own`));
    else findings.push(ok(line));
    for (const endpoint of cluster.endpoints) {
      addresses.set(endpoint.address, { protocol: cluster.protocol, by: `cluster ${cluster.name}`, fix: `set protocol: {protocol} on cluster ${cluster.name}` });
    }
  }

  if (reaches.length === 0 && !(listed && listed.endpoints.length > 0)) {
    findings.push(problem(`no provider registered for ${service}, and no route or cluster reaches it from this sidecar`,
      `publish it from the provider's app (pmesh.publish("${service}", "dubbo", PORT) in Python, or POST /v1/services), ` +
      `or add a cluster { name: NAME, protocol: dubbo, endpoints: [HOST:PORT] } and a route { match: { service: ${service} }, cluster: NAME } on a listener`));
  } else if (reaches.length === 0) {
    findings.push(info(`no route names ${service}: Dubbo and Bolt listeners with routeByRegistry send it to the registry's providers`));
  }

  for (const [address, expected] of addresses) {
    const peer = await checkPeer(address, timeoutMs, expected);
    findings.push(...peer.findings);
    if (peer.protocol === 'dubbo' && config.registry.type === 'zookeeper' && typeof config.registry.address === 'string') {
      findings.push(...(await dubboMethods(config.registry.address, query, timeoutMs)));
    }
  }
  return findings;
}

/** The registry's providers, asked through the sidecar's HTTP listener; undefined when it has none. */
async function registeredProviders(config: ConfigView, query: ServiceQuery, timeoutMs: number, findings: Finding[]): Promise<RegisteredView | undefined> {
  const http = config.listeners.find((l) => l.protocol === 'http1' && !l.ingress);
  if (!http) {
    findings.push(info('no HTTP/1 listener: the registry cannot be asked through /v1/services'));
    return undefined;
  }
  try {
    return await registered(dialable(http.address), query.service, query.version, query.group, timeoutMs);
  } catch (error) {
    findings.push(info(`the registry could not be asked through listener ${http.name}: ${(error as Error).message}`));
    return undefined;
  }
}

/** Every listener route and registry cluster that sends calls for `service` somewhere. */
function routesTo(config: ConfigView, service: string): Reach[] {
  const reaches: Reach[] = [];
  for (const listener of config.listeners) {
    const route = firstRouteFor(listener, service);
    if (route?.cluster) reaches.push({ listener: listener.name, cluster: route.cluster });
  }
  for (const cluster of config.clusters) {
    if (cluster.service === service && !reaches.some((r) => r.cluster === cluster.name)) reaches.push({ listener: '(registry cluster)', cluster: cluster.name });
  }
  return reaches;
}

/** The route a call for `service` with no particular headers takes on this listener. */
function firstRouteFor(listener: ListenerView, service: string) {
  return listener.routes.find((route) => {
    const match = route.match;
    if (match.headers && Object.keys(match.headers).length > 0) return false;
    return match.service === undefined ? match.method === undefined && match.pathPrefix === undefined && match.host === undefined : match.service === service;
  });
}
