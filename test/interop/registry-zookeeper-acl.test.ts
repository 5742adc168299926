/**
 * ZooKeeper digest ACLs (issue 13 item 6) on a real ZooKeeper: a registry with `auth` creates
 * its registrations and the folders it needs with all rights for its digest user, read for
 * everyone on the nodes and read+create on the folders (read back with getACL); a client
 * without the credentials can read them but cannot delete or overwrite them (NoAuth); the ACLs
 * are configurable; a wrong password or an unreadable password file gives a clear error, never
 * a crash; the password never reaches the log.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zookeeper from 'node-zookeeper-client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/core/index.js';
import { digestId } from '../../src/registry/zookeeper/acl.js';
import { createRegistry, setup, type Publication, type ZooKeeperRegistry } from '../../src/registry/index.js';
import { addresses, updateLog } from '../support/registry.js';
import { openZkClient, startZooKeeper, type TestZkClient, type ZooKeeperServer } from '../support/zookeeper.js';

setup();
const SERVICE = 'com.example.AclService';
const PASSWORD = 'correct horse battery staple';
const USER = 'pmesh';
const DIGEST = digestId(USER, PASSWORD);
const ALL = zookeeper.Permission.ALL;
const { READ, CREATE } = zookeeper.Permission;

interface AclRow {
  perms: number;
  id: string;
}

describe('ZooKeeper digest ACLs on the nodes the sidecar creates', () => {
  let zk: ZooKeeperServer;
  let dir: string;
  let anonymous: TestZkClient;
  /** Authenticated as the sidecar's user: ZooKeeper shows digest ids in full only to a client with ADMIN on the node. */
  let admin: TestZkClient;
  const registries: ZooKeeperRegistry[] = [];
  const logLines: string[] = [];

  const logger = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) }) as unknown as Logger;
  const passwordFile = (name: string, content: string): string => {
    const file = join(dir, name);
    writeFileSync(file, content, { mode: 0o600 });
    return file;
  };
  const open = async (extra: Record<string, unknown>): Promise<ZooKeeperRegistry> => {
    const registry = createRegistry(
      { type: 'zookeeper', address: zk.address, sessionTimeoutMs: 4_000, retryMs: 300, spinDelayMs: 200, emptyConfirmMs: 300, ...extra },
      { dataDir: mkdtempSync(join(dir, 'data-')), logger },
    ) as ZooKeeperRegistry;
    registries.push(registry);
    await registry.start();
    return registry;
  };
  const aclOf = async (path: string): Promise<AclRow[]> => {
    const acls = await admin.run<zookeeper.ACL[]>((c, done) => c.getACL(path, (e, list) => done(e, list)));
    // The library's objects carry `permission` (its typings say `perms`).
    return acls.map((acl) => ({ perms: (acl as unknown as { permission: number }).permission, id: `${acl.id.scheme}:${acl.id.id}` })).sort((a, b) => a.id.localeCompare(b.id));
  };
  /** Children of `path`; [] until it exists. */
  const children = (path: string): Promise<string[]> =>
    anonymous.run<string[]>((c, done) => c.getChildren(path, done)).catch((error: { getCode?: () => number }) => {
      if (error.getCode?.() === zookeeper.Exception.NO_NODE) return [];
      throw error;
    });
  const codeOf = (promise: Promise<unknown>): Promise<number | string> =>
    promise.then(
      () => 'ok',
      (error: { getCode?: () => number }) => error.getCode?.() ?? String(error),
    );
  const until = async (what: string, check: () => boolean | Promise<boolean>): Promise<void> => {
    for (const end = Date.now() + 15_000; !(await check()); ) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  beforeAll(async () => {
    zk = await startZooKeeper();
    dir = mkdtempSync(join(tmpdir(), 'pmesh-zkacl-'));
    anonymous = await openZkClient(zk.address);
    admin = await openZkClient(zk.address, `${USER}:${PASSWORD}`);
  }, 120_000);
  afterAll(async () => {
    anonymous?.close();
    admin?.close();
    for (const registry of registries) await registry.close();
    await zk?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const dubbo: Publication = { service: SERVICE, version: '1.0.0', protocol: 'dubbo', host: '127.0.0.1', port: 20880, methods: ['get'] };
  const bolt: Publication = { service: SERVICE, protocol: 'bolt', host: '127.0.0.1', port: 12200 };
  let owner: ZooKeeperRegistry;
  let dubboNode: string;

  it('registrations carry all rights for the digest user and read for everyone; the folders read and create', async () => {
    owner = await open({ auth: { scheme: 'digest', username: USER, passwordFile: passwordFile('zk-password', `${PASSWORD}\n`) } });
    await owner.publish(dubbo);
    await owner.publish(bolt);
    owner.subscribe({ service: SERVICE, protocol: 'dubbo', version: '1.0.0' }, () => {}, { consumer: { host: '127.0.0.1' } });
    await until('the registrations', async () => (await children(`/dubbo/${SERVICE}/providers`)).length === 1);
    await owner.settle();

    const [provider] = await children(`/dubbo/${SERVICE}/providers`);
    dubboNode = `/dubbo/${SERVICE}/providers/${provider}`;
    const [consumer] = await children(`/dubbo/${SERVICE}/consumers`);
    const [sofa] = await children(`/sofa-rpc/${SERVICE}/providers`);
    const node = [
      { perms: ALL, id: `digest:${DIGEST}` },
      { perms: READ, id: 'world:anyone' },
    ];
    const folder = [
      { perms: ALL, id: `digest:${DIGEST}` },
      { perms: READ | CREATE, id: 'world:anyone' },
    ];
    expect(await aclOf(dubboNode)).toEqual(node);
    expect(await aclOf(`/dubbo/${SERVICE}/consumers/${consumer}`)).toEqual(node);
    expect(await aclOf(`/sofa-rpc/${SERVICE}/providers/${sofa}`)).toEqual(node);
    for (const path of ['/dubbo', `/dubbo/${SERVICE}`, `/dubbo/${SERVICE}/providers`, `/dubbo/${SERVICE}/consumers`, '/sofa-rpc', `/sofa-rpc/${SERVICE}/providers`]) {
      expect({ path, acl: await aclOf(path) }).toEqual({ path, acl: folder });
    }
  }, 60_000);

  it('a client without the credentials reads them but cannot delete or overwrite them', async () => {
    expect(await codeOf(anonymous.run((c, done) => c.getData(dubboNode, done)))).toBe('ok');
    expect(await codeOf(anonymous.run((c, done) => c.remove(dubboNode, -1, done)))).toBe(zookeeper.Exception.NO_AUTH);
    expect(await codeOf(anonymous.run((c, done) => c.setData(dubboNode, Buffer.from('hijacked'), -1, done)))).toBe(zookeeper.Exception.NO_AUTH);
    expect(await codeOf(anonymous.run((c, done) => c.setACL(dubboNode, [new zookeeper.ACL(ALL, new zookeeper.Id('world', 'anyone'))], -1, done)))).toBe(zookeeper.Exception.NO_AUTH);
    expect(await codeOf(anonymous.run((c, done) => c.remove(`/dubbo/${SERVICE}/providers`, -1, done)))).toBe(zookeeper.Exception.NO_AUTH);
    // A Java provider without credentials can still register beside the sidecar's.
    const plain = `/dubbo/${SERVICE}/providers/${encodeURIComponent('dubbo://127.0.0.1:20999/x?interface=x')}`;
    expect(await codeOf(anonymous.run((c, done) => c.create(plain, zookeeper.CreateMode.EPHEMERAL, done)))).toBe('ok');
    expect(await codeOf(anonymous.run((c, done) => c.remove(plain, -1, done)))).toBe(zookeeper.Exception.NO_AUTH);

    // The same identity elsewhere (another sidecar with the same user and password) may.
    expect(await codeOf(admin.run((c, done) => c.remove(plain, -1, done)))).toBe('ok');
    // The sidecar withdraws its own registrations.
    await owner.unpublish(bolt);
    await owner.settle();
    await until('the bolt node gone', async () => (await children(`/sofa-rpc/${SERVICE}/providers`)).length === 0);
    expect(owner.state()).toMatchObject({ status: 'connected' });
    expect(owner.state().events.no_auth ?? 0).toBe(0);
  }, 60_000);

  it('the ACLs are configurable: nothing for everyone on the nodes, read only on the folders', async () => {
    const locked = await open({
      roots: { dubbo: '/locked/dubbo', sofaRpc: '/locked/sofa-rpc' },
      auth: { username: USER, passwordFile: passwordFile('zk-password-2', PASSWORD) },
      acl: { world: [], worldOnParents: ['read'] },
    });
    await locked.publish(dubbo);
    await locked.settle();
    const providers = `/locked/dubbo/${SERVICE}/providers`;
    await until('the locked registration', async () => (await children(providers)).length === 1);
    const [node] = await children(providers);
    expect(await aclOf(`${providers}/${node}`)).toEqual([{ perms: ALL, id: `digest:${DIGEST}` }]);
    expect(await aclOf(providers)).toEqual([
      { perms: ALL, id: `digest:${DIGEST}` },
      { perms: READ, id: 'world:anyone' },
    ]);
    expect(await codeOf(anonymous.run((c, done) => c.getData(`${providers}/${node}`, done)))).toBe(zookeeper.Exception.NO_AUTH);
    expect(await codeOf(anonymous.run((c, done) => c.create(`${providers}/intruder`, zookeeper.CreateMode.EPHEMERAL, done)))).toBe(zookeeper.Exception.NO_AUTH);
  }, 60_000);

  it('a wrong password gives a clear error and the registry keeps running', async () => {
    const wrong = await open({ auth: { username: USER, passwordFile: passwordFile('zk-password-wrong', 'not the password\n') } });
    await until('the mismatch reported', () => (wrong.state().events.auth_mismatch ?? 0) > 0);
    expect(wrong.state().lastError?.message).toMatch(/registry\.auth: \/dubbo was created by digest user 'pmesh' with another password; the one in passwordFile does not match/);

    // Its publication lands (everyone may create there) but cannot be withdrawn: NoAuth, named plainly.
    await wrong.publish({ ...dubbo, port: 20881 });
    await wrong.settle();
    await wrong.unpublish({ ...dubbo, port: 20881 });
    await wrong.settle();
    expect(wrong.state().events.no_auth).toBeGreaterThan(0);
    expect(wrong.state().lastError?.message).toMatch(/refused by the node's ACL \(NoAuth\) for digest user 'pmesh'; check registry\.auth\.username and the password in registry\.auth\.passwordFile/);
    expect(wrong.state().status).toBe('connected');

    // Still a working registry: it reads what the owner publishes.
    const log = updateLog();
    wrong.subscribe({ service: SERVICE, protocol: 'dubbo', version: '1.0.0' }, log.listener);
    expect(addresses(await log.until((u) => addresses(u).includes('127.0.0.1:20880'), 15_000, 'with the owner\'s provider'))).toContain('127.0.0.1:20880');
    expect(logLines.join('')).toMatch(/does not match/);
  }, 60_000);

  it('an unreadable password file and acl without auth are refused with a clear message', () => {
    expect(() => createRegistry({ type: 'zookeeper', address: zk.address, auth: { username: USER, passwordFile: join(dir, 'missing') } }, { dataDir: dir })).toThrow(
      `registry.auth.passwordFile: cannot read ${join(dir, 'missing')} (ENOENT)`,
    );
    expect(() => createRegistry({ type: 'zookeeper', address: zk.address, acl: { world: ['read'] } }, { dataDir: dir })).toThrow(/registry\.acl: needs registry\.auth/);
    expect(() => createRegistry({ type: 'zookeeper', address: zk.address, auth: { username: USER, passwordFile: 'x' }, acl: { world: ['everything'] } }, { dataDir: dir })).toThrow(
      /registry\.acl\.world: expected a list of read, write, create, delete, admin/,
    );
  });

  it('never logs the password', () => {
    expect(logLines.length).toBeGreaterThan(0);
    const all = logLines.join('');
    expect(all).toMatch(/digest auth on/);
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain('not the password');
  });
});
