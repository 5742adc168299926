/** What a bridged caller is told of a provider's failure: one line, no stack, no provider config. */
import { describe, expect, it } from 'vitest';
import { MeshError, type Invocation } from '../../../src/core/index.js';
import { errorForCaller, firstLine } from '../../../src/proxy/bridge-errors.js';
import { createRootLogger } from '../../../src/core/log.js';

const invocation: Invocation = {
  protocol: 'http1',
  service: { interface: 'com.example.EchoService', version: '2.0.0' },
  method: 'echo',
  attachments: {},
  oneway: false,
  body: { kind: 'empty' },
};
const context = { invocation, paramTypes: ['java.lang.String'], knownKeys: [], log: createRootLogger('silent') };

describe('provider errors as a bridged caller sees them', () => {
  it('a Java stack trace is cut to its first line', () => {
    const text = 'java.lang.IllegalStateException: broken\n\tat com.example.A.b(A.java:1)\n\tat com.example.C.d(C.java:2)';
    const error = errorForCaller(new MeshError('PMESH_INTERNAL', text), context);
    expect(error).toMatchObject({ reason: 'PMESH_INTERNAL', message: 'java.lang.IllegalStateException: broken' });
  });

  it('a URL loses its query (the provider\'s pid, bind address, timestamps), even with commas inside it', () => {
    expect(firstLine('RpcException: Failed to invoke echo to dubbo://127.0.0.1:20880/com.example.EchoService?methods=a,b&pid=42&timestamp=1, cause: Not found')).toBe(
      'RpcException: Failed to invoke echo to dubbo://127.0.0.1:20880/com.example.EchoService, cause: Not found',
    );
  });

  it('a line longer than 1,024 characters is cut', () => {
    expect(firstLine('x'.repeat(5_000))).toBe(`${'x'.repeat(1_024)}...`);
  });

  it('a one-line error within bounds is passed on as it is', () => {
    const error = new MeshError('PMESH_UPSTREAM_TIMEOUT', 'dubbo: upstream answered SERVER_TIMEOUT (31)');
    expect(errorForCaller(error, context)).toBe(error);
  });

  it.each([
    ['Dubbo', 'dubbo: upstream answered BAD_REQUEST (40): Fail to decode request due to: RpcInvocation [methodName=echo, parameterTypes=null]'],
    ['SOFARPC', 'sofarpc: RPC-020100010: RPC cannot find service: [com.example.EchoService:2.0.0] '],
  ])('%s "no such service" becomes 404 naming what was asked and what is known', (_peer, text) => {
    const error = errorForCaller(new MeshError('PMESH_BAD_REQUEST', text), { ...context, knownKeys: ['com.example.EchoService:1.0.0'] });
    expect(error.reason).toBe('PMESH_UNKNOWN_SERVICE');
    expect(error.message).toBe(
      'the provider has no echo(java.lang.String) in com.example.EchoService:2.0.0 (version 2.0.0, group (none)): the version, the group or the method is wrong; the registry and config know com.example.EchoService:1.0.0',
    );
  });
});
