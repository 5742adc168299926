/**
 * The sidecar's workload identity (src/security/workload.ts): issued from a CA directory when
 * missing, renewed before it expires, reloaded when its files are replaced, and never
 * half-applied when the key and the certificate on disk do not match yet.
 */
import { X509Certificate } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRootLogger } from '../../../src/core/index.js';
import type { TlsMaterial } from '../../../src/proxy/index.js';
import { WorkloadIdentity } from '../../../src/security/workload.js';
import { makeTestCa } from '../../support/mesh-ca.js';

const log = createRootLogger('silent');
const opened: WorkloadIdentity[] = [];
afterEach(() => opened.splice(0).forEach((identity) => identity.close()));

const serialOf = (material: TlsMaterial): string => new X509Certificate(material.cert).serialNumber;

describe('workload identity', () => {
  it('with a CA directory: issues its own certificate for its app, then renews it before it expires', async () => {
    const ca = await makeTestCa('mesh.test');
    const certFile = join(ca.dir, '..', 'self.crt');
    const keyFile = join(ca.dir, '..', 'self.key');
    const identity = await WorkloadIdentity.start(
      { app: 'orders', certFile, keyFile, caDir: ca.dir, certTtlMs: 60_000, renewBeforeMs: 59_000, watchIntervalMs: 100 },
      log,
    );
    opened.push(identity);
    expect(identity.spiffeId).toBe('spiffe://mesh.test/app/orders');
    expect(identity.current().trustDomain).toBe('mesh.test');
    const first = serialOf(identity.current());
    const changes: string[] = [];
    identity.onChange((material) => changes.push(serialOf(material)));
    // 60 s certificates renewed when less than 59 s are left: the first renewal comes about a second later.
    await expect.poll(() => changes.length, { timeout: 20_000, interval: 100 }).toBeGreaterThan(0);
    expect(changes[0]).not.toBe(first);
    expect(serialOf(identity.current())).toBe(changes.at(-1));
    expect(identity.notAfter).toBeGreaterThan(Date.now() + 50_000);
  });

  it('reloads replaced files, and keeps the current pair while the key on disk is not the certificate\'s', async () => {
    const ca = await makeTestCa('mesh.test');
    const files = await ca.issue('web');
    const identity = await WorkloadIdentity.start({ ...files, caFile: ca.caFile, certTtlMs: 86_400_000, renewBeforeMs: 3_600_000, watchIntervalMs: 100 }, log);
    opened.push(identity);
    const first = serialOf(identity.current());
    const changes: string[] = [];
    identity.onChange((material) => changes.push(serialOf(material)));

    // Only the certificate of a new pair: not usable with the old key, so nothing changes.
    const next = await ca.issue('web', { name: 'web-next' });
    copyFileSync(next.certFile, files.certFile);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(changes).toEqual([]);
    expect(serialOf(identity.current())).toBe(first);

    // Its key follows: the new pair is taken.
    copyFileSync(next.keyFile, files.keyFile);
    await expect.poll(() => changes.length, { timeout: 10_000, interval: 100 }).toBe(1);
    expect(changes[0]).toBe(new X509Certificate(readFileSync(next.certFile)).serialNumber);
  });

  it('refuses to start with a certificate that carries no SPIFFE id or a key of another certificate', async () => {
    const ca = await makeTestCa('mesh.test');
    const a = await ca.issue('a');
    const b = await ca.issue('b');
    await expect(WorkloadIdentity.start({ certFile: a.certFile, keyFile: b.keyFile, caFile: ca.caFile, certTtlMs: 1, renewBeforeMs: 0, watchIntervalMs: 100 }, log)).rejects.toThrow(
      /is not the key of/,
    );
    await expect(WorkloadIdentity.start({ certFile: ca.caFile, keyFile: a.keyFile, caFile: ca.caFile, certTtlMs: 1, renewBeforeMs: 0, watchIntervalMs: 100 }, log)).rejects.toThrow(
      /no workload spiffe:\/\/ URI SAN/,
    );
  });
});
