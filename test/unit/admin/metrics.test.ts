import { describe, expect, it } from 'vitest';
import { PrometheusMetrics } from '../../../src/admin/metrics.js';

function call(service: string, method = 'echo', outcome = 'ok') {
  return { listener: 'bolt', route: 'r', cluster: 'c', service, method, seconds: 0.00015, outcome, requestBytes: 100, responseBytes: -1 };
}

describe('PrometheusMetrics', () => {
  it('records RED per service and method, sizes when known, and the in-flight gauge', async () => {
    const metrics = new PrometheusMetrics();
    metrics.callStarted('bolt');
    metrics.callStarted('bolt');
    metrics.callFinished(call('com.example.EchoService'));
    const text = await metrics.registry.metrics();
    expect(text).toContain('pmesh_requests_total{listener="bolt",route="r",service="com.example.EchoService",method="echo",cluster="c",outcome="ok"} 1');
    // 0.15 ms lands in the 0.25 ms bucket, not in the 0.1 ms one.
    expect(text).toContain('pmesh_request_duration_seconds_bucket{le="0.0001",listener="bolt",route="r",service="com.example.EchoService",method="echo",cluster="c"} 0');
    expect(text).toContain('pmesh_request_duration_seconds_bucket{le="0.00025",listener="bolt",route="r",service="com.example.EchoService",method="echo",cluster="c"} 1');
    expect(text).toContain('pmesh_request_size_bytes_sum{listener="bolt",service="com.example.EchoService",method="echo"} 100');
    expect(text).not.toMatch(/pmesh_response_size_bytes_count\{[^}]*\} [1-9]/);
    expect(text).toContain('pmesh_requests_in_flight{listener="bolt"} 1');
  });

  it('exports at most maxMetricLabelValues services and methods, the rest as other, counting the overflow', async () => {
    const metrics = new PrometheusMetrics();
    metrics.setMaxLabelValues(3);
    for (let i = 0; i < 50; i++) metrics.callFinished(call(`com.example.S${i}`, `m${i}`));
    const text = await metrics.registry.metrics();
    const services = new Set([...text.matchAll(/^pmesh_requests_total\{[^}]*service="([^"]*)"/gm)].map((m) => m[1]));
    expect(services).toEqual(new Set(['com.example.S0', 'com.example.S1', 'com.example.S2', 'other']));
    expect(text).toMatch(/pmesh_requests_total\{[^}]*service="other",method="other"[^}]*\} 47/);
    expect(text).toMatch(/pmesh_limit_exceeded_total\{limit="max_metric_label_values"\} \d+/);
  });

  it('counts upstream attempts per endpoint, bounded the same way', async () => {
    const metrics = new PrometheusMetrics();
    metrics.setMaxLabelValues(2);
    for (let port = 1; port <= 5; port++) metrics.upstreamCallFinished('c', `127.0.0.1:${port}`, 0.001, 'ok');
    const text = await metrics.registry.metrics();
    expect(text).toContain('pmesh_upstream_requests_total{cluster="c",endpoint="127.0.0.1:1",outcome="ok"} 1');
    expect(text).toContain('pmesh_upstream_requests_total{cluster="c",endpoint="other",outcome="ok"} 3');
  });
});
