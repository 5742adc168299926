/**
 * The bridge from HTTP/JSON to real Java services: POST /{service}/{method} with a JSON
 * array of arguments to the sidecar, which calls a Java Dubbo 3.3.6 provider (Hessian2)
 * or a Java SOFARPC 5.13.2 server (Bolt, legacy Hessian) with the right Java types and
 * answers JSON. Types come from the x-pmesh-param-types header or from hints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { Running } from '../../src/main.js';
import { startJavaEchoServers, type JavaEchoServers } from '../support/java-peers.js';
import { freePort } from '../support/ports.js';
import { startInProcess } from '../support/sidecar.js';

let servers: JavaEchoServers | undefined;
let sidecar: Running;
let httpPort: number;

beforeAll(async () => {
  servers = await startJavaEchoServers();
  const { dubboPort, sofaPort } = servers;
  httpPort = await freePort();
  sidecar = await startInProcess(`
admin: { address: 127.0.0.1:${await freePort()} }
listeners:
  - name: http
    protocol: http1
    address: 127.0.0.1:${httpPort}
    routes:
      - { match: { service: com.example.EchoService, headers: { x-target: sofa } }, cluster: sofa }
      - { match: { service: com.example.EchoService }, cluster: dubbo }
      - { match: { service: com.example.types.TypesService }, cluster: dubbo }
clusters:
  - { name: dubbo, protocol: dubbo, endpoints: [127.0.0.1:${dubboPort}] }
  - { name: sofa, protocol: bolt, endpoints: [127.0.0.1:${sofaPort}] }
`);
}, 600_000);

afterAll(async () => {
  await sidecar?.stop(500);
  await servers?.stop();
});

async function invoke(target: 'dubbo' | 'sofa', method: string, args: unknown, headers: Record<string, string> = {}) {
  const version = target === 'dubbo' ? '1.0.0' : '1.0';
  const response = await request(`http://127.0.0.1:${httpPort}/com.example.EchoService/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-pmesh-version': version, 'x-target': target, ...headers },
    body: typeof args === 'string' ? args : JSON.stringify(args),
  });
  return { status: response.statusCode, text: await response.body.text() };
}

describe.each(['dubbo', 'sofa'] as const)('HTTP/JSON -> sidecar -> Java %s', (target) => {
  it('a String argument, typed from the JSON itself', async () => {
    expect(await invoke(target, 'echo', ['héllo 世界'])).toEqual({ status: 200, text: '"héllo 世界"' });
  });

  it('int arguments, typed by the x-pmesh-param-types header', async () => {
    expect(await invoke(target, 'add', [2, 40], { 'x-pmesh-param-types': '["int","int"]' })).toEqual({ status: 200, text: '42' });
  });

  it('longs beyond 2^53 stay exact both ways', async () => {
    const result = await invoke(target, 'addLong', '[9223372036854775806, {"$type":"long","$value":"1"}]', { 'x-pmesh-param-types': '["long","long"]' });
    expect(result).toEqual({ status: 200, text: '{"$type":"long","$value":"9223372036854775807"}' });
  });

  it('a Java exception comes back as 500 with its class and message', async () => {
    const result = await invoke(target, 'fail', ['bridge boom']);
    expect(result.status).toBe(500);
    expect(JSON.parse(result.text)).toMatchObject({ exception: 'com.example.EchoException' });
    expect(JSON.parse(result.text).message).toContain('bridge boom');
  });

  it('a plain number with no declared type: Dubbo is called generically, SOFARPC refuses saying what to do', async () => {
    const result = await invoke(target, 'add', [2, 40]);
    if (target === 'dubbo') {
      // $invoke(method, null, args): the provider finds add by name and converts the arguments.
      expect(result).toEqual({ status: 200, text: '42' });
    } else {
      expect(result.status).toBe(400);
      expect(JSON.parse(result.text).message).toContain('is a plain number: declare the parameter types');
    }
  });
});

describe('HTTP/JSON -> sidecar -> Java dubbo with no types at all (generic $invoke)', () => {
  it('a POJO argument given as a plain JSON object is realized by the provider, and answered as JSON', async () => {
    const result = await invoke('dubbo', 'greet', [{ name: 'Ada', age: 36, tags: ['x'] }]);
    expect(result.status, result.text).toBe(200);
    expect(JSON.parse(result.text)).toMatchObject({ name: 'Hello Ada', age: 37 });
  });

  it('a POJO answer shows its class as "$class", as a typed call does (not Dubbo\'s generalized "class" key)', async () => {
    const result = await invoke('dubbo', 'greet', [{ name: 'Ada', age: 36, tags: ['x'] }]);
    expect(JSON.parse(result.text)).toEqual({ $class: 'com.example.Person', name: 'Hello Ada', age: 37, id: 0, tags: ['x', 'greeted'] });
  });

  it('POJOs nested in fields and in lists show "$class" at every level, and no "class" key anywhere', async () => {
    const order = { id: 7, note: 'n', customer: { name: 'Ada', address: { city: 'London', zip: 'NW1' } }, items: [{ sku: 'A-1', quantity: 2, color: 'RED' }] };
    const response = await request(`http://127.0.0.1:${httpPort}/com.example.types.TypesService/echoOrder`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-pmesh-version': '1.0.0' },
      body: JSON.stringify([order]),
    });
    const text = await response.body.text();
    expect(response.statusCode, text).toBe(200);
    const answer = JSON.parse(text);
    expect(answer).toMatchObject({
      $class: 'com.example.types.Order',
      id: 7,
      note: 'n',
      customer: { $class: 'com.example.types.Customer', name: 'Ada', address: { $class: 'com.example.types.Address', city: 'London', zip: 'NW1' } },
      items: [{ $class: 'com.example.types.Item', sku: 'A-1', quantity: 2, color: 'RED' }],
    });
    expect(text).not.toContain('"class"');
  });
});
