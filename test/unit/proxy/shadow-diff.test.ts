/**
 * Shadow diff: a mirrored Dubbo call's answer read back through the Dubbo codec's
 * bridge half and compared with the primary's, field by field, ignoring configured
 * paths; each difference counted by route, method and field and the first N logged.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Cancel, NOOP_METRICS, makeEndpoint, type Endpoint, type Invocation, type Logger, type MeshMetrics, type Result } from '../../../src/core/index.js';
import { EMPTY_CATALOG, jv, type JavaValue } from '../../../src/bridge/index.js';
import { getCodec, setupProtocols, type AnyCodec } from '../../../src/codecs/index.js';
import { parseJavaType } from '../../../src/bridge/java-types.js';
import { Cluster, Router, buildStack, createBalancer, setupBalancers, type CallContext, type Upstream } from '../../../src/proxy/index.js';
import { diffResults } from '../../../src/proxy/mirror/value-diff.js';

const person = (name: string, age: number, tags: string[]): JavaValue =>
  jv.object('com.example.Person', [
    ['name', jv.string(name)],
    ['age', jv.int(age)],
    ['id', jv.long(7n)],
    ['tags', jv.list(tags.map((t) => jv.string(t)))],
  ]);

describe('diffResults', () => {
  it('names each differing field by its path and leaves ignored paths out', () => {
    const a = { kind: 'value' as const, value: person('Hello ann', 31, ['x', 'greeted']) };
    const b = { kind: 'value' as const, value: person('Hello ann', 32, ['x', 'welcomed']) };
    expect(diffResults(a, b, []).map((d) => d.path)).toEqual(['age', 'tags[1]']);
    expect(diffResults(a, b, ['tags']).map((d) => d.path)).toEqual(['age']);
    expect(diffResults(a, a, [])).toEqual([]);
    expect(diffResults(a, { kind: 'exception', className: 'java.lang.IllegalStateException', message: 'no', value: null }, [])).toEqual([
      { path: '$', primary: 'a value', shadow: 'exception java.lang.IllegalStateException: no' },
    ]);
    const map = (v: number) => ({ kind: 'value' as const, value: jv.map([[jv.string('alice'), jv.int(v)], [jv.int(3), jv.int(1)]]) });
    expect(diffResults(map(1), map(2), []).map((d) => d.path)).toEqual(['alice']);
  });
});

/** An endpoint answering every Dubbo request with a Person, through the codec's reverse-bridge half. */
class DubboAnswerer implements Upstream {
  constructor(readonly codec: AnyCodec, readonly answer: JavaValue) {}
  call(_endpoint: Endpoint, invocation: Invocation, _ctx: CallContext): Promise<Result> {
    const reply = this.codec.bridge!.reply(invocation.frame, { kind: 'value', value: this.answer });
    return Promise.resolve({ ...this.codec.toResult(reply), frame: reply });
  }
  release(): void {}
  connections(): Record<string, number> {
    return {};
  }
  async close(): Promise<void> {}
}

describe('mirror with compare over Dubbo frames', () => {
  beforeAll(() => {
    setupProtocols();
    setupBalancers();
  });

  it('counts every differing field by method and path, logs the first logFirst with both values, and the caller gets the primary answer', async () => {
    const dubbo = getCodec('dubbo')!;
    const primary = new Cluster('v1', 'dubbo', 'round_robin', createBalancer('round_robin'), new DubboAnswerer(dubbo, person('Hello ann', 31, ['greeted'])));
    const shadow = new Cluster('v2', 'dubbo', 'round_robin', createBalancer('round_robin'), new DubboAnswerer(dubbo, person('Hello ann', 32, ['greeted'])));
    primary.setEndpoints([makeEndpoint('127.0.0.1:1')]);
    shadow.setEndpoints([makeEndpoint('127.0.0.1:2')]);
    const clusters = new Map([['v1', primary], ['v2', shadow]]);
    const diffs: string[] = [];
    const metrics: MeshMetrics = { ...NOOP_METRICS, mirrorDiff: (route, method, field) => void diffs.push(`${route} ${method} ${field}`) };
    const router = new Router([
      { name: 'greet', match: {}, cluster: 'v1', mirror: { cluster: 'v2', percent: 100, maxInFlight: 8, compare: true, ignore: ['id'], logFirst: 2 } },
    ]);
    const handler = buildStack({ router: () => router, cluster: (name) => clusters.get(name), metrics, defaultTimeoutMs: 15_000 });
    const logged: unknown[] = [];
    const log = { warn: (fields: unknown) => logged.push(fields), debug: () => {}, info: () => {}, error: () => {}, child: () => log } as unknown as Logger;
    const request = dubbo.bridge!.request(
      { service: { interface: 'com.example.EchoService', version: '1.0.0' }, method: 'greet', paramTypes: [parseJavaType('com.example.Person')], args: [person('ann', 30, [])], attachments: {}, timeoutMs: 5_000 },
      1n,
    );
    for (let i = 0; i < 3; i++) {
      const answer = await handler({ ...dubbo.toInvocation(request), frame: request }, { listener: 'in', startedAt: performance.now(), log, cancel: new Cancel() });
      const read = dubbo.bridge!.result(answer.frame, undefined, EMPTY_CATALOG);
      expect(read).toMatchObject({ kind: 'value', value: { fields: [['name', { value: 'Hello ann' }], ['age', { value: 31 }], expect.anything(), expect.anything()] } });
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(diffs).toEqual(['greet greet age', 'greet greet age', 'greet greet age']);
    expect(logged).toEqual([
      expect.objectContaining({ route: 'greet', method: 'greet', field: 'age', primary: expect.anything(), shadow: expect.anything() }),
      expect.objectContaining({ field: 'age' }),
    ]);
    expect(JSON.stringify(logged[0])).toContain('31');
    expect(JSON.stringify(logged[0])).toContain('32');
  });
});
