import { describe, expect, it } from 'vitest';
import { MeshError, type Invocation } from '../../../src/core/index.js';
import { Router } from '../../../src/proxy/index.js';

function httpCall(host: string, path: string, headers: Record<string, string> = {}): Invocation {
  return {
    protocol: 'http1',
    service: { interface: host },
    method: 'GET',
    attachments: { ...headers, ':authority': host, ':path': path },
    oneway: false,
    body: { kind: 'empty' },
  };
}

function rpcCall(service: string, method: string, version?: string): Invocation {
  return { protocol: 'fake', service: { interface: service, version }, method, attachments: {}, oneway: false, body: { kind: 'empty' } };
}

describe('Router', () => {
  const router = new Router([
    { name: 'canary', match: { host: 'echo.local', headers: { 'x-env': 'canary' } }, cluster: 'echo-canary' },
    { name: 'api', match: { host: 'echo.local', pathPrefix: '/api/' }, cluster: 'api' },
    { name: 'echo', match: { host: 'echo.local' }, cluster: 'echo' },
    { name: 'wild', match: { host: '*.example.com' }, cluster: 'wild' },
    { name: 'bolt-echo', match: { service: 'com.example.EchoService:1.0', method: 'echo' }, cluster: 'bolt-echo' },
    { name: 'bolt-any', match: { service: 'com.example.EchoService' }, cluster: 'bolt-any' },
  ]);

  it.each([
    ['echo.local', '/x', {}, 'echo'],
    ['ECHO.local:15001', '/x', {}, 'echo'],
    ['echo.local', '/api/users', {}, 'api'],
    ['echo.local', '/apix', {}, 'echo'],
    ['echo.local', '/api/users', { 'x-env': 'canary' }, 'echo-canary'],
    ['echo.local', '/x', { 'x-env': 'prod' }, 'echo'],
    ['a.example.com', '/', {}, 'wild'],
  ])('routes host %s path %s headers %j to %s', (host, path, headers, cluster) => {
    expect(router.route(httpCall(host, path, headers)).cluster).toBe(cluster);
  });

  it('matches services by interface or by interface:version, and methods', () => {
    expect(router.route(rpcCall('com.example.EchoService', 'echo', '1.0')).cluster).toBe('bolt-echo');
    expect(router.route(rpcCall('com.example.EchoService', 'add', '1.0')).cluster).toBe('bolt-any');
    expect(router.route(rpcCall('com.example.EchoService', 'echo', '2.0')).cluster).toBe('bolt-any');
  });

  it('matches interface:version:group and interface::group keys exactly, interfaces with a colon too', () => {
    const keyed = new Router([
      { name: 'v1-blue', match: { service: 'com.example.EchoService:1.0:blue' }, cluster: 'v1-blue' },
      { name: 'blue', match: { service: 'com.example.EchoService::blue' }, cluster: 'blue' },
      { name: 'colon', match: { service: 'urn:echo:2.0' }, cluster: 'colon' },
    ]);
    const call = (service: Invocation['service']): Invocation => ({ ...rpcCall('x', 'echo'), service });
    expect(keyed.route(call({ interface: 'com.example.EchoService', version: '1.0', group: 'blue' })).cluster).toBe('v1-blue');
    expect(keyed.route(call({ interface: 'com.example.EchoService', group: 'blue' })).cluster).toBe('blue');
    expect(keyed.route(call({ interface: 'urn:echo', version: '2.0' })).cluster).toBe('colon');
    for (const service of [
      { interface: 'com.example.EchoService', version: '1.0' },
      { interface: 'com.example.EchoService', version: '1.0', group: 'blu' },
      { interface: 'com.example.EchoService', version: '1', group: 'blue' },
      { interface: 'com.example.EchoService', version: '1.0', group: 'blue2' },
      { interface: 'com.example.Echo', version: 'Service:1.0', group: 'blue' },
    ]) {
      expect(() => keyed.route(call(service)), JSON.stringify(service)).toThrow('no route');
    }
  });

  it('refuses an unmatched call with PMESH_NO_ROUTE naming what was asked for', () => {
    const fail = (): unknown => router.route(httpCall('other.local', '/y'));
    expect(fail).toThrow(MeshError);
    expect(fail).toThrow('no route for host "other.local" path "/y"');
    expect(() => router.route(rpcCall('com.example.Other', 'go'))).toThrow('no route for service "com.example.Other" method "go"');
  });

  it('a bare example.com does not match *.example.com', () => {
    expect(() => router.route(httpCall('example.com', '/'))).toThrow('no route');
  });

  it('keeps config order between routes that name a service and routes that do not', () => {
    const ordered = new Router([
      { name: 'header-first', match: { headers: { 'x-env': 'canary' } }, cluster: 'canary' },
      { name: 'by-key', match: { service: 'com.example.EchoService:1.0' }, cluster: 'v1' },
      { name: 'by-interface', match: { service: 'com.example.EchoService' }, cluster: 'any-version' },
      { name: 'catch-all', match: {}, cluster: 'fallback' },
    ]);
    const canary = { ...rpcCall('com.example.EchoService', 'echo', '1.0'), attachments: { 'x-env': 'canary' } };
    expect(ordered.route(canary).cluster).toBe('canary');
    expect(ordered.route(rpcCall('com.example.EchoService', 'echo', '1.0')).cluster).toBe('v1');
    expect(ordered.route(rpcCall('com.example.EchoService', 'echo', '2.0')).cluster).toBe('any-version');
    expect(ordered.route(rpcCall('com.example.Other', 'echo')).cluster).toBe('fallback');
  });

  it('checks a call against the routes of its own service only, however many routes there are', () => {
    const many = new Router(Array.from({ length: 10_000 }, (_, i) => ({ name: `r${i}`, match: { service: `com.example.Service${i}` }, cluster: `c${i}`, timeoutMs: i })));
    let serviceReads = 0;
    const call = rpcCall('com.example.Service9999', 'go');
    const counted = { ...call, get service() { serviceReads++; return call.service; } };
    expect(many.route(counted).cluster).toBe('c9999');
    // A scan in order would read the call's service once per route: 10,000 times.
    expect(serviceReads).toBeLessThan(5);
    expect(many.timeoutOf('r9999')).toBe(9999);
    expect(many.timeoutOf('missing')).toBeUndefined();
  });
});
