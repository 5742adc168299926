/**
 * What the bridge checks at its entry (HTTP `POST /{service}/{method}` and gRPC
 * `pmesh.v1.Invoker/Invoke`) before anything is sent, against the real Java Dubbo 3.3.6
 * provider and SOFARPC 5.13.2 server, with a trap provider that counts every byte it is
 * sent: attachments the mesh owns, callers' generic invoke, methods the signatures do
 * not list, stack traces, and the caller's small mistakes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code } from '../../src/core/index.js';
import type { Running } from '../../src/main.js';
import { callBridge, grpcInvoke, startTrap, type Trap } from '../support/bridge-entry.js';
import { startJavaEchoServers, type JavaEchoServers } from '../support/java-peers.js';
import { freePort } from '../support/ports.js';
import { startInProcess } from '../support/sidecar.js';
import { TYPES_SCHEMA, TYPES_SERVICE } from '../support/types-schema.js';

const ECHO = 'com.example.EchoService';
let servers: JavaEchoServers | undefined;
let trap: Trap;
/** Default config: generic invoke from callers is off. */
let strict: Running;
let strictPort: number;
let grpcPort: number;
/** bridge.allowGenericInvoke: true. */
let open: Running;
let openPort: number;

function sidecarYaml(bridgeExtra: string, httpPort: number, adminPort: number, grpc?: number): string {
  const { dubboPort, sofaPort } = servers!;
  return `${TYPES_SCHEMA.replace('bridge:\n', `bridge:\n${bridgeExtra}`)}
admin: { address: 127.0.0.1:${adminPort} }
listeners:
  - name: http
    protocol: http1
    address: 127.0.0.1:${httpPort}
    routes: &routes
      - { match: { headers: { x-target: sofa } }, cluster: sofa }
      - { match: { headers: { x-target: trap } }, cluster: trap }
      - { match: { service: ${ECHO} }, cluster: dubbo }
      - { match: { service: ${TYPES_SERVICE} }, cluster: dubbo }
${grpc === undefined ? '' : `  - name: grpc
    protocol: grpc
    address: 127.0.0.1:${grpc}
    routes: *routes`}
clusters:
  - { name: dubbo, protocol: dubbo, endpoints: [127.0.0.1:${dubboPort}] }
  - { name: sofa, protocol: bolt, endpoints: [127.0.0.1:${sofaPort}] }
  - { name: trap, protocol: dubbo, endpoints: [127.0.0.1:${trap.port}] }
`;
}

beforeAll(async () => {
  servers = await startJavaEchoServers();
  trap = await startTrap();
  [strictPort, grpcPort, openPort] = [await freePort(), await freePort(), await freePort()];
  strict = await startInProcess(sidecarYaml('', strictPort, await freePort(), grpcPort));
  open = await startInProcess(sidecarYaml('  allowGenericInvoke: true\n', openPort, await freePort()));
}, 600_000);

afterAll(async () => {
  await strict?.stop(500);
  await open?.stop(500);
  await servers?.stop();
  await trap?.close();
});

const DUBBO = { 'x-pmesh-version': '1.0.0' };
const SOFA = { 'x-pmesh-version': '1.0', 'x-target': 'sofa' };
const TRAP = { 'x-pmesh-version': '1.0.0', 'x-target': 'trap' };

describe('attachments the mesh owns (CVE-2021-30179 is carried by "generic")', () => {
  it.each(['generic', 'path', 'interface', 'version', 'group', 'timeout', 'dubbo', 'input', 'output', 'sofa_head_generic_type', 'rpc_trace_context.sofatraceid'])(
    'x-pmesh-attachment-%s is refused with 400 naming it; nothing is sent',
    async (name) => {
      const before = trap.bytes();
      const answer = await callBridge(strictPort, `/${ECHO}/echo`, '["hi"]', { ...TRAP, [`x-pmesh-attachment-${name}`]: 'nativejava' });
      expect(answer.status).toBe(400);
      expect(answer.json).toMatchObject({ error: 'PMESH_BAD_REQUEST', attachment: name });
      expect(answer.json.message).toBe(`attachment "${name}" is set by the mesh and cannot be set by a caller`);
      expect(trap.bytes()).toBe(before);
    },
  );

  it('an attachment of the caller\'s own still reaches the real Dubbo provider', async () => {
    const answer = await callBridge(strictPort, `/${ECHO}/echo`, '["hi"]', { ...DUBBO, 'x-pmesh-attachment-tenant': 'blue' });
    expect(answer).toMatchObject({ status: 200, text: '"hi"' });
  });

  it('the gRPC Invoke entry refuses them too', async () => {
    const answer = await grpcInvoke(grpcPort, { service: ECHO, method: 'echo', version: '1.0.0', argumentsJson: '["hi"]', attachments: { generic: 'nativejava' } });
    expect(answer.error?.code).toBe(Code.INVALID_ARGUMENT);
    expect(answer.error?.details).toBe('PMESH_BAD_REQUEST: attachment "generic" is set by the mesh and cannot be set by a caller');
  });
});

describe('the gRPC Invoke entry reads its arguments within the same limits', () => {
  it('more JSON values than bridge.maxJsonValues is RESOURCE_EXHAUSTED naming the limit; nothing is sent', async () => {
    const before = trap.bytes();
    const argumentsJson = `[[${'0,'.repeat(150_000)}0]]`;
    const answer = await grpcInvoke(grpcPort, { service: ECHO, method: 'echo', version: '1.0.0', argumentsJson, attachments: {} });
    expect(answer.error?.code).toBe(Code.RESOURCE_EXHAUSTED);
    expect(answer.error?.details).toBe('PMESH_BODY_TOO_LARGE: the arguments hold more than 100000 JSON values (bridge.maxJsonValues)');
    expect(trap.bytes()).toBe(before);
  });
});

describe('generic invoke ($invoke) from callers', () => {
  it.each(['$invoke', '$invokeAsync', '$genericInvoke'])('%s is refused with 403 by default, with or without a generic attachment; nothing is sent', async (method) => {
    const before = trap.bytes();
    for (const extra of [{}, { 'x-pmesh-attachment-generic': 'nativejava' }] as Record<string, string>[]) {
      const answer = await callBridge(strictPort, `/${ECHO}/${method}`, '["echo",["java.lang.String"],["hi"]]', { ...TRAP, ...extra });
      expect(answer.status).toBe(403);
      expect(answer.json).toMatchObject({ error: 'PMESH_GENERIC_INVOKE_NOT_ALLOWED' });
      expect(answer.json.message).toContain('set bridge.allowGenericInvoke');
    }
    expect(trap.bytes()).toBe(before);
  });

  it('with bridge.allowGenericInvoke the real Dubbo provider answers it in the mesh\'s own generic mode', async () => {
    const answer = await callBridge(openPort, `/${ECHO}/$invoke`, '["echo",["java.lang.String"],["hi"]]', DUBBO);
    expect(answer).toMatchObject({ status: 200, text: '"hi"' });
  });

  it('with bridge.allowGenericInvoke a caller\'s generic mode (bean, nativejava, protobuf-json) still never reaches the provider', async () => {
    const before = trap.bytes();
    for (const mode of ['bean', 'nativejava', 'protobuf-json']) {
      for (const headers of [DUBBO, TRAP]) {
        const answer = await callBridge(openPort, `/${ECHO}/$invoke`, '["echo",["java.lang.String"],["hi"]]', { ...headers, 'x-pmesh-attachment-generic': mode });
        expect(answer.status).toBe(400);
        expect(answer.json).toMatchObject({ error: 'PMESH_BAD_REQUEST', attachment: 'generic' });
      }
    }
    expect(trap.bytes()).toBe(before);
  });
});

describe('a method the signatures do not list', () => {
  it.each([['dubbo', TRAP], ['sofa', { ...SOFA, 'x-target': 'trap' }]])('is answered 404 naming the known methods, and nothing is sent (%s)', async (_target, headers) => {
    const before = trap.bytes();
    const answer = await callBridge(strictPort, `/${TYPES_SERVICE}/echoLongg`, '[1]', headers);
    expect(answer.status).toBe(404);
    expect(answer.json).toMatchObject({ error: 'PMESH_UNKNOWN_METHOD', method: 'echoLongg' });
    expect(answer.json.message).toBe(
      `${TYPES_SERVICE} has no method echoLongg; its methods: checkOrder, echoChar, echoColor, echoDate, echoDecimal, echoLong, echoMap, echoOrder, sampleOrder`,
    );
    expect(trap.bytes()).toBe(before);
  });

  it('the real SOFARPC server\'s "cannot find method" for a service the mesh has no signatures of is 404 too', async () => {
    const answer = await callBridge(strictPort, `/${ECHO}/echoo`, '["x"]', SOFA);
    expect(answer.status).toBe(404);
    expect(answer.json).toMatchObject({ error: 'PMESH_UNKNOWN_METHOD' });
    expect(answer.json.message).toBe(`the provider of ${ECHO}:1.0 has no method echoo(java.lang.String)`);
  });
});

describe('Java stack traces stay in the debug log', () => {
  it('a Dubbo SERVICE_ERROR gives the caller its first line: the exception class and message', async () => {
    const answer = await callBridge(strictPort, `/${ECHO}/echo`, '[]', { ...DUBBO, 'x-pmesh-param-types': '[]' });
    expect(answer.status).toBe(500);
    expect(answer.json).toMatchObject({ error: 'PMESH_INTERNAL' });
    const message = answer.json.message as string;
    expect(message).toContain('org.apache.dubbo.rpc.RpcException');
    expect(message).toContain('Not found method "echo"');
    expect(message).not.toContain('\n');
    expect(message).not.toMatch(/\bat org\.apache/);
    // The provider's URL without its query (pid, bind address, timestamps).
    expect(message).toContain(`/${ECHO},`);
    expect(message).not.toContain('pid=');
    expect(message.length).toBeLessThan(400);
  });

  it('the gRPC Invoke answer is the same first line', async () => {
    const answer = await grpcInvoke(grpcPort, { service: ECHO, method: 'echo', version: '1.0.0', argumentsJson: '[]', paramTypes: [] });
    // paramTypes [] means "not given" on gRPC: the bridge types from the (empty) arguments
    expect(answer.error?.code).toBe(Code.INTERNAL);
    expect(answer.error?.details).toContain('org.apache.dubbo.rpc.RpcException');
    expect(answer.error?.details).not.toContain('\n');
  });

  it('a Java exception is still answered 500 with its class and message', async () => {
    const answer = await callBridge(strictPort, `/${ECHO}/fail`, '["boom"]', DUBBO);
    expect(answer.status).toBe(500);
    expect(answer.json).toMatchObject({ exception: 'com.example.EchoException' });
    expect(answer.json.message).not.toContain('\n');
  });
});

describe("a caller's small mistakes, each a clear 4xx", () => {
  it('a plain number beyond 2^53 for SOFARPC with no declared type is refused as a small one is', async () => {
    const answer = await callBridge(strictPort, `/${ECHO}/echo`, '[9007199254740993]', SOFA);
    expect(answer.status).toBe(400);
    expect(answer.json.message).toContain('argument 0 of echo is a plain number: declare the parameter types');
  });

  it('invalid UTF-8 in the body is 400', async () => {
    const answer = await callBridge(strictPort, `/${ECHO}/echo`, Buffer.from([0x5b, 0x22, 0xff, 0xfe, 0x22, 0x5d]), DUBBO);
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: 'PMESH_BAD_REQUEST', message: 'the body is not valid UTF-8' });
  });

  it('an empty body is 400 "expected a JSON array"', async () => {
    const answer = await callBridge(strictPort, `/${ECHO}/echo`, '', DUBBO);
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: 'PMESH_BAD_REQUEST', message: 'the body is empty: expected a JSON array of the arguments ([] for none)' });
  });

  it('x-pmesh-timeout-ms: soon is 400', async () => {
    const answer = await callBridge(strictPort, `/${ECHO}/echo`, '["hi"]', { ...DUBBO, 'x-pmesh-timeout-ms': 'soon' });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: 'PMESH_BAD_REQUEST', message: 'x-pmesh-timeout-ms must be a positive whole number of milliseconds, got "soon"' });
  });

  it('GET on a bridge path is 405 with Allow: POST', async () => {
    const answer = await callBridge(strictPort, `/${ECHO}/echo`, undefined, DUBBO, 'GET');
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('POST');
    expect(answer.json).toMatchObject({ error: 'PMESH_METHOD_NOT_ALLOWED' });
  });

  it('an unknown type name ("integer") is 400 "unknown Java type", not an allow-list refusal', async () => {
    const answer = await callBridge(strictPort, `/${ECHO}/add`, '[1,2]', { ...DUBBO, 'x-pmesh-param-types': '["integer","int"]' });
    expect(answer.status).toBe(400);
    expect(answer.json.message).toBe('unknown Java type "integer": name a primitive (int, long...) or a class by its full name (java.lang.Integer)');
  });

  it.each([
    ['dubbo', { 'x-pmesh-version': '2.0.0' }, `${ECHO}:2.0.0`, 'version 2.0.0, group (none)'],
    ['dubbo', { 'x-pmesh-version': '' }, ECHO, 'version (none), group (none)'],
    ['sofa', { 'x-pmesh-version': '2.0', 'x-target': 'sofa' }, `${ECHO}:2.0`, 'version 2.0, group (none)'],
  ])('a wrong or missing version (%s) is 404 saying what was asked and what to send', async (_target, headers, key, asked) => {
    const answer = await callBridge(strictPort, `/${ECHO}/echo`, '["hi"]', headers);
    expect(answer.status).toBe(404);
    expect(answer.json).toMatchObject({ error: 'PMESH_UNKNOWN_SERVICE' });
    expect(answer.json.message).toBe(
      `the provider has no echo(java.lang.String) in ${key} (${asked}): the version, the group or the method is wrong; neither the registry nor the config knows a version or group of it: send x-pmesh-version and x-pmesh-group as the provider exports it`,
    );
  });

  it('a wrong version is 404 naming the versions and groups the registry has providers of', async () => {
    const publication = { service: ECHO, version: '1.0.0', group: 'blue', protocol: 'dubbo' as const, host: '127.0.0.1', port: servers!.dubboPort };
    const ungrouped = { ...publication, group: undefined, port: trap.port };
    await open.sidecar.registry.publish(publication);
    await open.sidecar.registry.publish(ungrouped);
    try {
      const answer = await callBridge(openPort, `/${ECHO}/echo`, '["hi"]', { 'x-pmesh-version': '2.0.0' });
      expect(answer.status).toBe(404);
      expect(answer.json).toMatchObject({ error: 'PMESH_UNKNOWN_SERVICE' });
      expect(answer.json.message).toBe(
        `the provider has no echo(java.lang.String) in ${ECHO}:2.0.0 (version 2.0.0, group (none)): the version, the group or the method is wrong; the registry and config know ${ECHO}:1.0.0, ${ECHO}:1.0.0:blue`,
      );
    } finally {
      await open.sidecar.registry.unpublish(publication);
      await open.sidecar.registry.unpublish(ungrouped);
    }
  });
});
