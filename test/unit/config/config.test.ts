import { describe, expect, it } from 'vitest';
import { ConfigError, formatPath, parseConfig } from '../../../src/config/index.js';
import { checkers, loadConfig } from '../../../src/main.js';

function problems(yaml: string): readonly string[] {
  loadConfig(undefined); // registers the plugins the checkers consult
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

  it('the built-in default binds loopback only', () => {
    const config = loadConfig(undefined);
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
    loadConfig(undefined);
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

  it('formats paths the way users write them', () => {
    expect(formatPath(['listeners', 0, 'routes', 2, 'match', 'host'])).toBe('listeners[0].routes[2].match.host');
    expect(formatPath([])).toBe('(root)');
  });
});
