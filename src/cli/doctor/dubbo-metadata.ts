/**
 * A Dubbo provider's method signatures from its metadata report in ZooKeeper
 * (`/dubbo/metadata/<interface>/<version>[/<group>]/provider/<application>`, Dubbo's
 * FullServiceDefinition JSON), read with the parser the bridge uses.
 */
import zookeeper from 'node-zookeeper-client';
import { typesFromDubboDefinition } from '../../bridge/index.js';
import { info, type Finding } from './findings.js';
import type { ServiceQuery } from './types.js';

export async function dubboMethods(zkAddress: string, query: ServiceQuery, timeoutMs: number): Promise<Finding[]> {
  const client = zookeeper.createClient(zkAddress, { sessionTimeout: Math.max(timeoutMs, 4_000), retries: 0 });
  try {
    await within(timeoutMs, new Promise<void>((resolve) => { client.once('connected', () => resolve()); client.connect(); }));
    const base = ['/dubbo/metadata', query.service, query.version, query.group].filter((part) => part).join('/');
    const apps = await within(timeoutMs, new Promise<string[]>((resolve) => client.getChildren(`${base}/provider`, (error, children) => resolve(error ? [] : children))));
    for (const app of apps.sort()) {
      const data = await within(timeoutMs, new Promise<Buffer | undefined>((resolve) => client.getData(`${base}/provider/${app}`, (error, bytes) => resolve(error ? undefined : bytes))));
      if (!data || data.length === 0) continue;
      const { methods } = typesFromDubboDefinition(JSON.parse(data.toString('utf8')));
      const lines = methods.map((m) => `${m.returns ?? 'void'} ${m.name}(${m.params.join(', ')})`);
      return [info(`metadata report (application ${app}): ${methods.length} methods\n            ${lines.join('\n            ')}`)];
    }
    return [info(`no metadata report for ${query.service} in ZooKeeper ${zkAddress} (the provider has no metadata center, or another version/group: pass --version/--group)`)];
  } catch (error) {
    return [info(`metadata report not read from ZooKeeper ${zkAddress}: ${(error as Error).message}`)];
  } finally {
    client.close();
  }
}

function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
