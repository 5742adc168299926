import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRootLogger, MeshError } from '../../../src/core/index.js';
import { EmbeddedRegistry, type RegistryUpdate } from '../../../src/registry/index.js';
import { Channel } from '../../../src/workers/channel.js';
import { serveRegistry, WorkerRegistry } from '../../../src/workers/ipc-registry.js';
import { portPair } from '../../support/ipc-ports.js';

const log = createRootLogger('silent');

const until = async (what: () => boolean): Promise<void> => {
  for (let i = 0; i < 500 && !what(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(what()).toBe(true);
};

describe('the IPC registry', () => {
  let primary: EmbeddedRegistry | undefined;
  afterEach(async () => {
    await primary?.close();
  });

  async function workers(count: number): Promise<{ registries: WorkerRegistry[]; ends: Array<() => void> }> {
    primary = new EmbeddedRegistry({}, { dataDir: mkdtempSync(join(tmpdir(), 'pmesh-ipc-')) });
    await primary.start();
    const registries: WorkerRegistry[] = [];
    const ends: Array<() => void> = [];
    for (let i = 0; i < count; i++) {
      const [primarySide, workerSide] = portPair();
      ends.push(serveRegistry(new Channel(primarySide), primary, log));
      registries.push(new WorkerRegistry(new Channel(workerSide), primary.backend, log));
    }
    return { registries, ends };
  }

  const publication = { service: 'com.example.Echo', version: '1.0', protocol: 'bolt', host: '127.0.0.1', port: 12200 } as const;

  it('delivers what one worker publishes to every worker that subscribes, through the one backend', async () => {
    const { registries } = await workers(2);
    const seen: RegistryUpdate[][] = [[], []];
    const subscriptions = registries.map((registry, i) => registry.subscribe({ service: publication.service }, (update) => seen[i]!.push(update)));
    await registries[0]!.publish(publication);
    expect(primary!.state().publications).toBe(1);
    await until(() => seen.every((updates) => updates.at(-1)?.endpoints.length === 1));
    expect(subscriptions[1]!.current()?.endpoints[0]?.port).toBe(12200);
    await registries[1]!.unpublish(publication);
    await until(() => seen.every((updates) => updates.at(-1)?.endpoints.length === 0));
    expect(primary!.state().publications).toBe(0);
  });

  it('ends the primary subscription when the worker unsubscribes or goes', async () => {
    const { registries, ends } = await workers(2);
    const first = registries[0]!.subscribe({ service: 'a.A' }, () => {});
    registries[1]!.subscribe({ service: 'b.B' }, () => {});
    await until(() => primary!.state().subscriptions === 2);
    first.unsubscribe();
    await until(() => primary!.state().subscriptions === 1);
    ends[1]!();
    expect(primary!.state().subscriptions).toBe(0);
  });

  it('throws a refusal in the worker with its reason', async () => {
    const [primarySide, workerSide] = portPair();
    const served = new Channel(primarySide);
    served.handle('refuse', () => {
      throw new MeshError('PMESH_NOT_OWNER', 'not yours');
    });
    const caller = new Channel(workerSide);
    const error = await caller.call('refuse', {}).catch((e: unknown) => e);
    expect(MeshError.is(error) && error.reason).toBe('PMESH_NOT_OWNER');
    caller.close('gone');
    await expect(caller.call('refuse', {})).rejects.toThrow('gone');
  });
});
