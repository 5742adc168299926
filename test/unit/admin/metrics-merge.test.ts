import { describe, expect, it } from 'vitest';
import { PrometheusMetrics } from '../../../src/admin/metrics.js';
import { mergeMetrics } from '../../../src/admin/metrics-merge.js';

const call = { listener: 'bolt-egress', route: 'r', service: 'com.example.Echo', method: 'echo', cluster: 'c', outcome: 'ok', seconds: 0.002, requestBytes: 1000, responseBytes: 1000 };

function line(text: string, prefix: string): string | undefined {
  return text.split('\n').find((l) => l.startsWith(prefix));
}

describe('metrics merged across workers', () => {
  it('sums calls, histograms and connections, and takes one worker\'s view of a shared cluster', async () => {
    const workers = [new PrometheusMetrics(), new PrometheusMetrics()];
    const calls = [3, 5];
    workers.forEach((metrics, i) => {
      for (let n = 0; n < calls[i]!; n++) {
        metrics.callStarted('bolt-egress');
        metrics.callFinished(call);
      }
      metrics.connectionOpened('bolt-egress');
      metrics.observeClusters(() => [{ name: 'c', healthy: 2, inFlight: i, pending: 0, retries: 0, circuitBreaker: { maxConnections: 10, maxPending: 10, maxRequests: 10, maxRetries: 3 }, endpoints: [] }]);
    });
    const merged = await mergeMetrics(await Promise.all(workers.map((metrics) => metrics.registry.getMetricsAsJSON()))).metrics();
    expect(line(merged, 'pmesh_requests_total{')).toMatch(/ 8$/);
    expect(line(merged, 'pmesh_request_duration_seconds_count{')).toMatch(/ 8$/);
    expect(line(merged, 'pmesh_request_duration_seconds_bucket{le="0.0025"')).toMatch(/ 8$/);
    expect(line(merged, 'pmesh_requests_in_flight{')).toMatch(/ 0$/);
    expect(line(merged, 'pmesh_downstream_connections_open{')).toMatch(/ 2$/);
    expect(line(merged, 'pmesh_cluster_requests_in_flight{')).toMatch(/ 1$/);
    expect(line(merged, 'pmesh_cluster_healthy_endpoints{')).toMatch(/ 2$/);
    expect(line(merged, 'pmesh_cluster_circuit_breaker_limit{cluster="c",threshold="maxRetries"}')).toMatch(/ 3$/);
  });
});
