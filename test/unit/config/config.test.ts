import { describe, expect, it } from 'vitest';
import { ConfigError, formatPath, parseConfig } from '../../../src/config/index.js';
import { checkers, loadConfig, setup } from '../../../src/main.js';

function problems(yaml: string): readonly string[] {
  setup(); // registers the plugins the checkers consult
  try {
    parseConfig(yaml, 'test.yaml', checkers);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('config was accepted');
}

describe('config', () => {
  it('accepts the issue example and fills defaults', () => {
    const config = parseConfig(
      `admin: { address: 127.0.0.1:15000 }
listeners:
  - name: http-egress
    protocol: http1
    address: 127.0.0.1:15001
    routes:
      - match: { host: echo.local }
        cluster: echo
clusters:
  - name: echo
    protocol: http1
    endpoints: [127.0.0.1:8080]
    balancer: round_robin
`,
      'example',
    );
    expect(config.listeners[0]?.routes[0]?.cluster).toBe('echo');
    expect(config.clusters[0]?.connectTimeoutMs).toBe(1000);
    expect(config.defaults.routeTimeoutMs).toBe(15000);
    expect(config.logging.accessLog).toBe(true);
  });

  it('the built-in default binds loopback only', async () => {
    const config = await loadConfig(undefined);
    expect(config.admin.address).toBe('127.0.0.1:15000');
    expect(config.listeners.map((l) => l.address)).toEqual(['127.0.0.1:15001', '127.0.0.1:15002', '127.0.0.1:12220', '127.0.0.1:12221', '127.0.0.1:20881', '127.0.0.1:20882']);
    // SOFARPC apps with registry mesh: its default API port, and an ingress clear of the apps' own 12200.
    expect(config.sofaMeshApi).toEqual({ address: '127.0.0.1:13330', appPort: 12200 });
    expect(config.listeners.find((l) => l.ingress)).toMatchObject({ protocol: 'bolt', address: '127.0.0.1:12221' });
    // Apps publish Dubbo services through it: `POST /v1/services` with protocol dubbo works on `npm start`.
    expect(config.listeners.find((l) => l.ingress && l.protocol === 'dubbo')).toMatchObject({ address: '127.0.0.1:20882' });
  });

  it('sofaMeshApi is off unless asked for, with SOFARPC\'s defaults when it is', () => {
    expect(parseConfig('listeners: []', 'none').sofaMeshApi).toBeUndefined();
    expect(parseConfig('sofaMeshApi: {}', 'on').sofaMeshApi).toEqual({ address: '127.0.0.1:13330', appPort: 12200 });
    expect(problems('sofaMeshApi: { address: "10.0.0.1:13330" }')).toEqual([
      'sofaMeshApi.address: 10.0.0.1 is not a loopback address; set allowNonLoopback: true to bind it',
    ]);
    expect(problems('sofaMeshApi: { address: "127.0.0.1:13330", appPort: 0 }')).toEqual(['sofaMeshApi.appPort: Number must be greater than or equal to 1']);
    expect(problems('sofaMeshApi: { address: "127.0.0.1:13330" }\nlisteners: [{name: a, protocol: http1, address: "127.0.0.1:13330"}]')).toEqual([
      'listeners[0].address: address 127.0.0.1:13330 is already used',
    ]);
  });

  it.each([
    ['listeners: [{name: a, protocol: http1, address: nowhere}]', 'listeners[0].address: expected host:port'],
    ['listeners: [{name: a, protocol: http1, address: "127.0.0.1:99999"}]', 'listeners[0].address: expected host:port'],
    ['listeners: [{protocol: http1, address: "127.0.0.1:1"}]', 'listeners[0].name: required'],
    [
      'listeners: [{name: a, protocol: http1, address: "127.0.0.1:1", routes: [{cluster: nope}]}]',
      'listeners[0].routes[0].cluster: unknown cluster "nope"',
    ],
    ['clusters: [{name: c, protocol: http1, endpoints: [bad]}]', 'clusters[0].endpoints[0]: expected host:port'],
    ['clusters: [{name: c, protocol: carrier-pigeon}]', 'clusters[0].protocol: unknown protocol "carrier-pigeon"'],
    ['clusters: [{name: c, protocol: http1, balancer: magic}]', 'clusters[0].balancer: unknown balancer "magic" (known: round_robin, weighted_random, random, least_request, peak_ewma, least_active, shortest_response, consistent_hash)'],
    ['clusters: [{name: c, protocol: http1, balancer: {name: consistent_hash, hashOn: {}}}]', 'clusters[0].balancer: balancer consistent_hash: hashOn: name exactly one of header, attachment, argument'],
    ['listeners: [{name: a, protocol: http1, address: "0.0.0.0:80"}]', 'listeners[0].address: 0.0.0.0 is not a loopback address; set allowNonLoopback: true to bind it'],
    ['admin: {adress: "127.0.0.1:1"}', 'admin: unknown field(s) adress'],
    ['listeners: [{name: a, protocol: http1, address: "127.0.0.1:15000"}]', 'listeners[0].address: address 127.0.0.1:15000 is already used'],
    ['clusters: [{name: c, protocol: http1}, {name: c, protocol: http1}]', 'clusters[1].name: duplicate cluster name "c"'],
    ['listeners: [ {name: a', 'yaml: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ['listeners: [{name: a, protocol: http1, address: "127.0.0.1:1", routes: [{match: {host: x}}]}]', 'listeners[0].routes[0].cluster: required unless match.service names a service'],
    ['clusters: [{name: c, protocol: http1, service: a.B, endpoints: ["127.0.0.1:1"]}]', 'clusters[0]: give endpoints or a service, not both'],
    ['registry: {type: etcd}', 'registry.type: unknown backend "etcd" (known: embedded, zookeeper)'],
    ['registry: {auth: {username: u, passwordFile: p}}', 'registry: auth and acl apply to type zookeeper'],
    ['registry: {type: zookeeper, address: "127.0.0.1:2181", auth: {scheme: sasl, username: u, passwordFile: p}}', 'registry.auth.scheme: Invalid literal value, expected "digest"'],
    ['registry: {type: zookeeper, address: "127.0.0.1:2181", auth: {username: "u:x", passwordFile: p}}', 'registry.auth.username: a name without ":" or spaces'],
    ['registry: {type: zookeeper, address: "127.0.0.1:2181", acl: {world: [read]}}', 'registry.acl: needs registry.auth (the nodes are open to all without it)'],
  ])('refuses %s with "%s"', (yaml, expected) => {
    expect(problems(yaml)).toContain(expected);
  });

  it('names every problem at once, not only the first', () => {
    const found = problems('listeners: [{name: a, protocol: http1, address: x}]\nclusters: [{name: c, protocol: http1, endpoints: [y]}]');
    expect(found).toEqual(['listeners[0].address: expected host:port', 'clusters[0].endpoints[0]: expected host:port']);
  });

  it('names the cross-section and plugin problems too when a field is invalid (one run, every problem)', () => {
    const yaml = [
      'logging: { level: loud }',
      'listeners:',
      '  - { name: a, protocol: foo, address: 127.0.0.1:1, routes: [{ cluster: b }] }',
      'clusters:',
      '  - { name: c, protocol: bar, balancer: x, endpoints: [bad] }',
    ].join('\n');
    let problems: readonly string[] = [];
    try {
      parseConfig(yaml, 'test', checkers);
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems).toEqual([
      expect.stringMatching(/^logging\.level: /),
      'clusters[0].endpoints[0]: expected host:port',
      'listeners[0].routes[0].cluster: unknown cluster "b"',
      'listeners[0].protocol: unknown protocol "foo"',
      'clusters[0].protocol: unknown protocol "bar"',
      'clusters[0].balancer: unknown balancer "x" (known: round_robin, weighted_random, random, least_request, peak_ewma, least_active, shortest_response, consistent_hash)',
    ]);
  });

  it('an unknown protocol is named together with an unknown cluster', () => {
    expect(() => parseConfig('listeners:\n  - { name: a, protocol: foo, address: 127.0.0.1:1, routes: [{ cluster: b }] }\n', 'test', checkers)).toThrow(
      /unknown cluster "b"[\s\S]*unknown protocol "foo"/,
    );
  });

  it('a route naming only a service goes to that service\'s cluster, made when none is configured', () => {
    setup();
    const config = parseConfig(
      `listeners:
  - name: bolt
    protocol: bolt
    address: 127.0.0.1:12220
    routes:
      - match: { service: com.example.A:1.0 }
      - match: { service: com.example.B }
clusters:
  - { name: a, protocol: bolt, service: com.example.A, version: "1.0" }
`,
      'service routes',
      checkers,
    );
    expect(config.listeners[0]?.routes.map((r) => r.cluster)).toEqual(['a', 'service:bolt:com.example.B']);
    expect(config.clusters.find((c) => c.name === 'service:bolt:com.example.B')).toMatchObject({ protocol: 'bolt', service: 'com.example.B', connectTimeoutMs: 1000 });
  });

  it('traffic fields: outlier detection defaults are Envoy\'s; split, mirror and health check are checked with their paths', () => {
    const config = parseConfig(
      `listeners:
  - name: d
    protocol: dubbo
    address: 127.0.0.1:20880
    routes:
      - match: { service: com.example.A, version: 2.0.0, attachments: { tenant: acme } }
        clusters: [{ name: v1, weight: 90 }, { name: v2, weight: 10 }]
        mirror: { cluster: v2, compare: true, ignore: [id] }
clusters:
  - { name: v1, protocol: dubbo, endpoints: [127.0.0.1:1], healthCheck: { intervalMs: 2000 } }
  - { name: v2, protocol: dubbo, endpoints: [127.0.0.1:2] }
`,
      'traffic',
    );
    expect(config.listeners[0]?.routes[0]).toMatchObject({ cluster: 'v1', mirror: { cluster: 'v2', percent: 100, maxInFlight: 64, compare: true, ignore: ['id'], logFirst: 10 } });
    expect(config.clusters[0]?.outlierDetection).toEqual({
      consecutiveFailures: 5,
      interval: 10_000,
      baseEjectionMs: 30_000,
      maxEjectionMs: 300_000,
      maxEjectionPercent: 10,
      successRate: { minRequests: 100, minHosts: 5, stdevFactor: 1.9 },
    });
    expect(config.clusters[0]?.healthCheck).toEqual({ intervalMs: 2000, timeoutMs: 1000, healthyThreshold: 1, unhealthyThreshold: 3 });
    const found = problems(`listeners:
  - name: d
    protocol: dubbo
    address: 127.0.0.1:20880
    routes:
      - { match: {}, cluster: v1, clusters: [{ name: v1, weight: 1 }] }
      - { match: {}, clusters: [{ name: nope, weight: 0 }], mirror: { cluster: gone } }
clusters:
  - { name: v1, protocol: dubbo, endpoints: [127.0.0.1:1], outlierDetection: { maxEjectionPercent: 120 } }
`);
    expect([...found].sort()).toEqual([
      'clusters[0].outlierDetection.maxEjectionPercent: Number must be less than or equal to 100',
      'listeners[0].routes[0].clusters: give cluster or clusters, not both',
      'listeners[0].routes[1].clusters: at least one weight must be above 0',
      'listeners[0].routes[1].clusters[0].name: unknown cluster "nope"',
      'listeners[0].routes[1].mirror.cluster: unknown cluster "gone"',
    ]);
  });

  it('formats paths the way users write them', () => {
    expect(formatPath(['listeners', 0, 'routes', 2, 'match', 'host'])).toBe('listeners[0].routes[2].match.host');
    expect(formatPath([])).toBe('(root)');
  });
});
