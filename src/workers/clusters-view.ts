/**
 * One view of the clusters of a sidecar with `workers: N`, for /clusters and the dashboard:
 * each worker keeps its own clusters (on-demand ones made where a call needed them), pools
 * and health checks. A cluster or endpoint any worker has is shown once; what is counted
 * (connections, calls in flight, completed, pending, retries) is summed across workers, since
 * the sidecar holds all of it; a judgement (an endpoint's health, the healthy count) is the
 * first worker's that has the cluster, as each worker judges on its own calls.
 */

interface EndpointView {
  readonly address: string;
  readonly connections: number;
  readonly inFlight: number;
  readonly completed: number;
}

interface ClusterView {
  readonly name: string;
  readonly endpoints: readonly EndpointView[];
  readonly inFlight: number;
  readonly pending: number;
  readonly retries: number;
}

export function mergeClusterViews<C extends ClusterView>(perWorker: ReadonlyArray<readonly C[]>): C[] {
  const merged = new Map<string, C>();
  for (const clusters of perWorker) {
    for (const cluster of clusters) {
      const seen = merged.get(cluster.name);
      merged.set(cluster.name, seen ? sumCluster(seen, cluster) : cluster);
    }
  }
  return [...merged.values()];
}

function sumCluster<C extends ClusterView>(into: C, more: C): C {
  const endpoints = new Map(into.endpoints.map((endpoint) => [endpoint.address, endpoint]));
  for (const endpoint of more.endpoints) {
    const seen = endpoints.get(endpoint.address);
    endpoints.set(
      endpoint.address,
      seen
        ? { ...seen, connections: seen.connections + endpoint.connections, inFlight: seen.inFlight + endpoint.inFlight, completed: seen.completed + endpoint.completed }
        : endpoint,
    );
  }
  return {
    ...into,
    endpoints: [...endpoints.values()],
    inFlight: into.inFlight + more.inFlight,
    pending: into.pending + more.pending,
    retries: into.retries + more.retries,
  };
}
