/**
 * The authorization filter alone (listeners[].authorization): open until a policy names the
 * service, deny wins over allow, callers by SPIFFE id or app name with wildcards, version
 * and method matches, plaintext callers as `unauthenticated`, and the refusal a codec turns
 * into its permission error (PMESH_NOT_AUTHORIZED, PERMISSION_DENIED), counted per listener.
 */
import { describe, expect, it } from 'vitest';
import { Cancel, Code, MeshError, NOOP_METRICS, createRootLogger, parseSpiffeId, type Invocation, type Result } from '../../../src/core/index.js';
import type { CallContext } from '../../../src/proxy/filter.js';
import { authorizationFilter, type AuthorizationPolicy } from '../../../src/proxy/filters/authorization.js';

const OK: Result = { status: 'ok', protocolStatus: 0, attachments: {}, body: { kind: 'empty' } };

function check(policies: AuthorizationPolicy[]) {
  const decisions: string[] = [];
  const handler = authorizationFilter(policies, { ...NOOP_METRICS, authorization: (_l, d) => void decisions.push(d) })(async () => OK);
  const call = async (service: string, method: string, caller?: string, version?: string, group?: string): Promise<string> => {
    const invocation = { protocol: 'fake', service: { interface: service, version, group }, method, attachments: {}, oneway: false, body: { kind: 'empty' } } as Invocation;
    const ctx: CallContext = { listener: 'in', startedAt: 0, log: createRootLogger('silent'), cancel: new Cancel(), peer: caller ? parseSpiffeId(caller) : undefined };
    try {
      await handler(invocation, ctx);
      return 'allow';
    } catch (error) {
      expect(MeshError.is(error) && error.reason === 'PMESH_NOT_AUTHORIZED' && error.code === Code.PERMISSION_DENIED).toBe(true);
      return (error as Error).message;
    }
  };
  return { call, decisions };
}

const WEB = 'spiffe://mesh.test/app/web';
const BATCH = 'spiffe://mesh.test/app/batch';
const OTHER_DOMAIN = 'spiffe://elsewhere.test/app/web';

describe('authorization policies', () => {
  it('no policy for a service: every caller may call it, and nothing is counted', async () => {
    const { call, decisions } = check([{ service: 'com.example.OrderService', action: 'allow', from: ['web'] }]);
    expect(await call('com.example.EchoService', 'echo')).toBe('allow');
    expect(decisions).toEqual([]);
  });

  it('allows OrderService.get and refuses OrderService.delete to web; other callers get nothing the policies do not grant', async () => {
    const { call, decisions } = check([
      { service: 'com.example.OrderService', methods: ['get', 'list*'], from: ['web'], action: 'allow' },
      { service: 'com.example.OrderService', methods: ['delete'], from: [WEB], action: 'deny' },
    ]);
    expect(await call('com.example.OrderService', 'get', WEB)).toBe('allow');
    expect(await call('com.example.OrderService', 'listAll', WEB)).toBe('allow');
    expect(await call('com.example.OrderService', 'delete', WEB)).toBe(
      `permission denied: ${WEB} may not call com.example.OrderService#delete (denied by authorization policy 1)`,
    );
    expect(await call('com.example.OrderService', 'get', BATCH)).toContain('no authorization policy allows it');
    expect(await call('com.example.OrderService', 'get')).toBe('permission denied: unauthenticated may not call com.example.OrderService#get (no authorization policy allows it)');
    expect(decisions).toEqual(['allow', 'allow', 'deny', 'deny', 'deny']);
    // The refused call is named by its whole service key, group included, as the registry names it.
    expect(await call('com.example.OrderService', 'delete', WEB, '1.0', 'eu')).toContain('may not call com.example.OrderService:1.0:eu#delete');
  });

  it('deny wins over allow; wildcards on service, version and caller; app names match only ids that have one', async () => {
    const { call } = check([
      { service: 'com.example.*', from: ['spiffe://mesh.test/*'], action: 'allow' },
      { service: 'com.example.*', version: '2.*', from: ['batch'], action: 'deny' },
      { service: 'com.example.Admin*', from: ['unauthenticated'], action: 'allow' },
    ]);
    expect(await call('com.example.OrderService', 'get', BATCH, '1.0.0')).toBe('allow');
    expect(await call('com.example.OrderService', 'get', BATCH, '2.1.0')).toContain('denied by authorization policy 1');
    expect(await call('com.example.OrderService', 'get', OTHER_DOMAIN)).toContain('no authorization policy allows it');
    expect(await call('com.example.AdminService', 'stats')).toBe('allow');
    expect(await call('com.example.OrderService', 'stats')).toContain('unauthenticated may not call');
  });
});
