import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MeshError } from '../../../src/core/index.js';
import { createRegistry, setup, type Publication, type Registry, type RegistryUpdate } from '../../../src/registry/index.js';

setup();

const echo: Publication = {
  service: 'com.example.EchoService',
  version: '1.0.0',
  protocol: 'dubbo',
  host: '127.0.0.1',
  port: 20880,
  methods: ['echo', 'add', 'echo'],
  application: 'app',
  serialization: 'hessian2',
  parameters: { owner: 'team-a' },
};

/** Collects updates and resolves waiters when one matches. */
function collector(): { updates: RegistryUpdate[]; next: (test: (u: RegistryUpdate) => boolean) => Promise<RegistryUpdate>; listener: (u: RegistryUpdate) => void } {
  const updates: RegistryUpdate[] = [];
  const waiters: Array<{ test: (u: RegistryUpdate) => boolean; resolve: (u: RegistryUpdate) => void }> = [];
  return {
    updates,
    listener: (u) => {
      updates.push(u);
      for (const w of waiters.splice(0)) (w.test(u) ? w.resolve(u) : waiters.push(w));
    },
    next: (test) =>
      new Promise((resolve) => {
        const hit = updates.find(test);
        if (hit) resolve(hit);
        else waiters.push({ test, resolve });
      }),
  };
}

describe('embedded registry', () => {
  let dir: string;
  let registry: Registry;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pmesh-reg-'));
    registry = createRegistry({}, { dataDir: dir });
    await registry.start();
  });
  afterEach(async () => {
    await registry.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is the default backend and starts connected with nothing published', () => {
    expect(registry.backend).toBe('embedded');
    expect(registry.state()).toMatchObject({ status: 'connected', publications: 0, subscriptions: 0 });
  });

  it('delivers complete sets to matching subscriptions, first update asynchronously', async () => {
    const c = collector();
    const sub = registry.subscribe({ service: echo.service, version: '1.0.0' }, c.listener);
    expect(c.updates).toHaveLength(0);
    await c.next((u) => u.endpoints.length === 0);
    await registry.publish(echo);
    const update = await c.next((u) => u.endpoints.length === 1);
    expect(update).toMatchObject({ origin: 'registry', backend: 'embedded', query: { service: echo.service, version: '1.0.0' } });
    expect(update.endpoints[0]).toMatchObject({
      address: '127.0.0.1:20880',
      source: 'registry',
      metadata: { service: echo.service, version: '1.0.0', protocol: 'dubbo', methods: 'echo,add', application: 'app', serialization: 'hessian2', owner: 'team-a' },
    });
    await registry.publish({ ...echo, port: 20881 });
    expect((await c.next((u) => u.endpoints.length === 2)).endpoints.map((e) => e.port)).toEqual([20880, 20881]);
    await registry.unpublish(echo);
    expect((await c.next((u) => u.endpoints.length === 1 && u.endpoints[0]?.port === 20881)).endpoints).toHaveLength(1);
    expect(sub.current()?.endpoints).toHaveLength(1);
    expect(registry.state()).toMatchObject({ publications: 1, subscriptions: 1 });
    sub.unsubscribe();
    expect(registry.state().subscriptions).toBe(0);
  });

  it('matches version, group and protocol; a missing or * version means any, a missing group means none', async () => {
    await registry.publish(echo);
    await registry.publish({ ...echo, version: '2.0.0', port: 20882 });
    await registry.publish({ ...echo, group: 'blue', port: 20883 });
    await registry.publish({ ...echo, protocol: 'bolt', port: 12200 });
    const ports = async (query: Parameters<Registry['subscribe']>[0]): Promise<number[]> => {
      const c = collector();
      const sub = registry.subscribe(query, c.listener);
      const update = await c.next(() => true);
      sub.unsubscribe();
      return update.endpoints.map((e) => e.port);
    };
    expect(await ports({ service: echo.service, version: '2.0.0' })).toEqual([20882]);
    expect(await ports({ service: echo.service, group: 'blue' })).toEqual([20883]);
    expect(await ports({ service: echo.service, protocol: 'bolt' })).toEqual([12200]);
    // A group is part of a service's identity, as in Dubbo: no group sees the ungrouped only.
    expect(await ports({ service: echo.service, version: '*', protocol: 'dubbo' })).toEqual([20880, 20882]);
    expect(await ports({ service: echo.service, version: '*', group: '*', protocol: 'dubbo' })).toEqual([20880, 20882, 20883]);
    expect(await ports({ service: 'com.example.Other' })).toEqual([]);
  });

  it('republishing the same key replaces it and does not notify twice for the same set', async () => {
    const c = collector();
    registry.subscribe({ service: echo.service }, c.listener);
    await registry.publish(echo);
    await c.next((u) => u.endpoints.length === 1);
    const before = c.updates.length;
    await registry.publish({ ...echo });
    await new Promise((resolve) => setImmediate(resolve));
    expect(c.updates.length).toBe(before);
    await registry.publish({ ...echo, weight: 5 });
    expect((await c.next((u) => u.endpoints[0]?.weight === 5)).endpoints).toHaveLength(1);
  });

  it('refuses bad publications with PMESH_BAD_REQUEST', async () => {
    for (const bad of [{ ...echo, port: 0 }, { ...echo, service: 'a b' }, { ...echo, host: '' }, { ...echo, version: 'a&b' }, { ...echo, methods: ['x y'] }]) {
      await expect(registry.publish(bad)).rejects.toSatisfy((e: unknown) => MeshError.is(e) && e.reason === 'PMESH_BAD_REQUEST');
    }
    expect(registry.state().publications).toBe(0);
  });

  it('a listener that throws does not stop the others', async () => {
    const c = collector();
    registry.subscribe({ service: echo.service }, () => {
      throw new Error('boom');
    });
    registry.subscribe({ service: echo.service }, c.listener);
    await registry.publish(echo);
    await c.next((u) => u.endpoints.length === 1);
  });

  it('publications survive a restart through an atomically written snapshot', async () => {
    await registry.publish(echo);
    await registry.publish({ ...echo, service: 'com.example.Other', port: 20990 });
    await registry.unpublish({ ...echo, service: 'com.example.Other', port: 20990 });
    await registry.close();
    const files = readdirSync(dir);
    expect(files).toEqual(['registry-embedded.json']);
    expect(JSON.parse(readFileSync(join(dir, 'registry-embedded.json'), 'utf8'))).toMatchObject({ format: 'pmesh-embedded-registry', version: 1 });

    registry = createRegistry({ type: 'embedded' }, { dataDir: dir });
    await registry.start();
    expect(registry.state().publications).toBe(1);
    const c = collector();
    registry.subscribe({ service: echo.service }, c.listener);
    const update = await c.next(() => true);
    expect(update.endpoints.map((e) => e.address)).toEqual(['127.0.0.1:20880']);
    expect(update.endpoints[0]?.metadata.methods).toBe('echo,add');
  });

  it('starts empty from a missing or corrupt snapshot', async () => {
    await registry.close();
    const file = join(dir, 'registry-embedded.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, '{"format": "pmesh-embedded-registry", "publications": [');
    registry = createRegistry({ type: 'embedded', snapshotFile: file }, { dataDir: dir });
    await registry.start();
    expect(registry.state()).toMatchObject({ status: 'connected', publications: 0 });
  });

  it('names unknown backends and bad options', () => {
    expect(() => createRegistry({ type: 'etcd' }, { dataDir: dir })).toThrow(/unknown backend "etcd"/);
    expect(() => createRegistry({ type: 'embedded', snapshotFile: 3 }, { dataDir: dir })).toThrow(/registry.snapshotFile/);
  });
});
