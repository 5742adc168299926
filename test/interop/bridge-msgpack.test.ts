/**
 * MessagePack on the bridge, through the sidecar to a real Java Dubbo 3.3.6 provider and
 * a real SOFARPC 5.13.2 server: `Content-Type: application/msgpack` arguments (packed by
 * msgpackr, plain MessagePack), MessagePack answers with int64, bin and timestamps, and the
 * same $class / $type conventions as JSON.
 */
import { Packr, Unpackr } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { Running } from '../../src/main.js';
import { startJavaEchoServers, type JavaEchoServers } from '../support/java-peers.js';
import { freePort } from '../support/ports.js';
import { startInProcess } from '../support/sidecar.js';
import { TYPES_SCHEMA, TYPES_SERVICE, changedFields } from '../support/types-schema.js';

const packr = new Packr({ useRecords: false, moreTypes: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'bigint' });

let servers: JavaEchoServers | undefined;
let sidecar: Running;
let httpPort: number;

beforeAll(async () => {
  servers = await startJavaEchoServers();
  const { dubboPort, sofaPort } = servers;
  httpPort = await freePort();
  sidecar = await startInProcess(`${TYPES_SCHEMA}
admin: { address: 127.0.0.1:${await freePort()} }
listeners:
  - name: http
    protocol: http1
    address: 127.0.0.1:${httpPort}
    routes:
      - { match: { headers: { x-target: sofa } }, cluster: sofa }
      - { match: { headers: { x-target: dubbo } }, cluster: dubbo }
clusters:
  - { name: dubbo, protocol: dubbo, endpoints: [127.0.0.1:${dubboPort}] }
  - { name: sofa, protocol: bolt, endpoints: [127.0.0.1:${sofaPort}] }
`);
}, 600_000);

afterAll(async () => {
  await sidecar?.stop(500);
  await servers?.stop();
});

interface Answer { status: number; type: string; value: unknown }

async function call(target: 'dubbo' | 'sofa', service: string, method: string, args: unknown[], headers: Record<string, string> = {}): Promise<Answer> {
  const version = target === 'dubbo' ? '1.0.0' : '1.0';
  const response = await request(`http://127.0.0.1:${httpPort}/${service}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/msgpack', 'x-pmesh-version': version, 'x-target': target, ...headers },
    body: packr.pack(args),
  });
  const type = String(response.headers['content-type']);
  const bytes = Buffer.from(await response.body.arrayBuffer());
  return { status: response.statusCode, type, value: type === 'application/msgpack' ? unpackr.unpack(bytes) : JSON.parse(bytes.toString()) };
}

describe.each(['dubbo', 'sofa'] as const)('MessagePack -> sidecar -> Java %s', (target) => {
  it('long 2^63-1: int64 arguments, an int64 answer', async () => {
    const answer = await call(target, 'com.example.EchoService', 'addLong', [9223372036854775806n, 1], { 'x-pmesh-param-types': '["long","long"]' });
    expect(answer).toEqual({ status: 200, type: 'application/msgpack', value: 9223372036854775807n });
  });

  it('a Java exception is a MessagePack {exception, message} with status 500', async () => {
    const answer = await call(target, 'com.example.EchoService', 'fail', ['msgpack boom']);
    expect(answer.status).toBe(500);
    expect(answer.type).toBe('application/msgpack');
    expect(answer.value).toMatchObject({ exception: 'com.example.EchoException' });
    expect((answer.value as { message: string }).message).toContain('msgpack boom');
  });

  it('a POJO answer: $class, int64 id, bin payload, timestamp, BigDecimal digits, null in a list; sent back (bin and timestamp in), Java finds it equal', async () => {
    const answer = await call(target, TYPES_SERVICE, 'sampleOrder', []);
    expect(answer.status).toBe(200);
    const order = answer.value as Record<string, unknown> & { customer: { phones: unknown[] } };
    expect(order.$class).toBe('com.example.types.Order');
    expect(order.id).toBe(9223372036854775807n);
    expect([...(order.payload as Uint8Array)]).toEqual([0, 1, 0xff, 127, 0x80]);
    expect((order.created as Date).getTime()).toBe(1700000000123);
    expect(order.total).toBe('12345678901234567890.1234567890');
    expect(order.customer.phones).toEqual(['+44 1', null, '+44 2']);
    const verdict = await call(target, TYPES_SERVICE, 'checkOrder', [order]);
    expect(verdict.status).toBe(200);
    if (target === 'sofa') expect(verdict.value).toBe('equal');
    // Dubbo's hessian-lite loses float POJO fields even between Java peers (see bridge-types).
    else for (const field of changedFields(JSON.stringify(verdict.value))) expect(['ratio', 'grade']).toContain(field);
  });

  it('BigDecimal via $type, Date via the timestamp extension, echoed', async () => {
    const decimal = await call(target, TYPES_SERVICE, 'echoDecimal', [{ $type: 'java.math.BigDecimal', $value: '0.000000000000000000000000000001' }]);
    expect(decimal.value).toBe('1E-30');
    const date = await call(target, TYPES_SERVICE, 'echoDate', [new Date(-1)]);
    expect((date.value as Date).getTime()).toBe(-1);
  });

  it('JSON in, Accept: application/msgpack: the answer is MessagePack', async () => {
    const response = await request(`http://127.0.0.1:${httpPort}/com.example.EchoService/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/msgpack', 'x-pmesh-version': target === 'dubbo' ? '1.0.0' : '1.0', 'x-target': target },
      body: JSON.stringify(['héllo']),
    });
    expect(response.headers['content-type']).toBe('application/msgpack');
    expect(unpackr.unpack(Buffer.from(await response.body.arrayBuffer()))).toBe('héllo');
  });

  it('a body that is not MessagePack is a JSON 400 naming the problem', async () => {
    const response = await request(`http://127.0.0.1:${httpPort}/com.example.EchoService/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/msgpack', 'x-target': target },
      body: Buffer.from([0x92, 0x01]),
    });
    expect(response.statusCode).toBe(400);
    expect(await response.body.json()).toMatchObject({ error: 'PMESH_BAD_REQUEST', message: expect.stringContaining('not MessagePack') });
  });
});

describe('MessagePack -> sidecar -> Java Dubbo, several Hessian shapes in one call', () => {
  it('byte[] as bin and Date as a timestamp reach Java as byte[] and Date (EchoService.mixed, in the Dubbo peer)', async () => {
    const answer = await call('dubbo', 'com.example.EchoService', 'mixed', [true, 0.5, Buffer.from([1, 2, 3]), new Date(1700000000123), ['a', null], { x: 1 }], {
      'x-pmesh-param-types': JSON.stringify(['boolean', 'double', 'byte[]', 'java.util.Date', 'java.util.List', 'java.util.Map']),
    });
    expect(answer).toEqual({ status: 200, type: 'application/msgpack', value: 'flag=true ratio=0.5 data=3 when=1700000000123 names=[a, null] counts={x=1}' });
  });
});
