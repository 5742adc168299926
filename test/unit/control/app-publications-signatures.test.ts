/**
 * The signatures an app published with its service type the bridge's calls to that
 * service only: interface, version and group must all match (issue 9, item 14), and the
 * classes they name join that service's allow list, no other's (item 11).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppPublications, type Ingress } from '../../../src/control/app-publications.js';
import { bridgeOptions } from '../../../src/control/bridge-config.js';
import { bridgeSchema } from '../../../src/config/bridge-schema.js';
import { createRootLogger } from '../../../src/core/log.js';
import type { Registry } from '../../../src/registry/index.js';

const registry = { publish: async () => {}, unpublish: async () => {} } as unknown as Registry;
const ingress: Ingress = {
  find: () => ({ listener: 'dubbo-in', advertise: '127.0.0.1:20880' }),
  routeToApp: () => {},
  dropAppRoute: () => {},
  ownPort: () => undefined,
};

let apps: AppPublications | undefined;
afterEach(() => apps?.close());

async function publications(): Promise<AppPublications> {
  apps = new AppPublications(registry, ingress, {
    dataDir: mkdtempSync(join(tmpdir(), 'pmesh-apps-')),
    healthIntervalMs: 60_000,
    maxFailures: 3,
    log: createRootLogger('silent'),
  });
  const common = { service: 'org.acme.ZooService', protocol: 'dubbo', port: 8080, appProtocol: 'http' as const };
  await apps.publish({ ...common, version: 'py', signatures: [{ name: 'feed', params: [], returns: 'void' }] });
  await apps.publish({ ...common, version: '1.0.0', signatures: [{ name: 'feed', params: ['org.acme.Animal'], returns: 'org.acme.Meal' }] });
  await apps.publish({ ...common, signatures: [{ name: 'feed', params: ['java.lang.String'], returns: 'java.lang.String' }] });
  await apps.publish({ ...common, version: '1.0.0', group: 'night', signatures: [{ name: 'sleep', params: [], returns: 'void' }] });
  return apps;
}

describe('published signatures are keyed by interface, version and group', () => {
  it('a version 1.0.0 call gets 1.0.0\'s signatures, not those of the "py" publication made before it', async () => {
    const found = (await publications()).signaturesOf({ interface: 'org.acme.ZooService', version: '1.0.0' });
    expect(found).toEqual([{ name: 'feed', params: ['org.acme.Animal'], returns: 'org.acme.Meal' }]);
  });

  it('a call with no version or group finds the publication with none', async () => {
    const found = (await publications()).signaturesOf({ interface: 'org.acme.ZooService' });
    expect(found).toEqual([{ name: 'feed', params: ['java.lang.String'], returns: 'java.lang.String' }]);
  });

  it('the group counts: 1.0.0 in group night is its own publication; an unpublished version has none', async () => {
    const apps = await publications();
    expect(apps.signaturesOf({ interface: 'org.acme.ZooService', version: '1.0.0', group: 'night' })).toEqual([{ name: 'sleep', params: [], returns: 'void' }]);
    expect(apps.signaturesOf({ interface: 'org.acme.ZooService', version: '2.0.0' })).toBeUndefined();
  });
});

describe('the classes a service\'s published signatures name join its allow list', () => {
  it('org.acme.Animal and org.acme.Meal pass for ZooService 1.0.0 only; the deny list still wins', async () => {
    const apps = await publications();
    const options = bridgeOptions({ ...bridgeSchema.parse({ denyClasses: ['org.acme.Meal'] }), maxBodyBytes: 1024 }, { maxFrameBytes: 1024 }, (service) => apps.signaturesOf(service));
    const zoo = options.policyFor!({ interface: 'org.acme.ZooService', version: '1.0.0' });
    expect(zoo.allows('org.acme.Animal')).toBe(true);
    expect(zoo.allows('org.acme.Meal')).toBe(false);
    expect(options.policyFor!({ interface: 'org.acme.ZooService', version: 'py' }).allows('org.acme.Animal')).toBe(false);
    expect(options.policy.allows('org.acme.Animal')).toBe(false);
  });
});
