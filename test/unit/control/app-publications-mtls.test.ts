/**
 * A publication made through a sidecar says so in the registry (issue 13): `pmesh.sidecar`
 * and `pmesh.tls` (its ingress's tls.mode), and a consumer's sidecar speaks mTLS to such an
 * endpoint when its cluster's `mtls` is auto, to every endpoint when on, never when off.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppPublications, type Ingress } from '../../../src/control/app-publications.js';
import { createRootLogger, makeEndpoint } from '../../../src/core/index.js';
import { usesMtls } from '../../../src/proxy/transport/index.js';
import type { Publication, Registry } from '../../../src/registry/index.js';
import { publicationMetadata } from '../../../src/registry/common.js';

async function published(tlsMode: 'strict' | 'permissive' | 'off' | undefined): Promise<Publication> {
  let seen: Publication | undefined;
  const registry = { publish: async (p: Publication) => void (seen = p), unpublish: async () => {} } as unknown as Registry;
  const ingress: Ingress = {
    find: () => ({ listener: 'dubbo-in', advertise: '127.0.0.1:20880', ...(tlsMode ? { tlsMode } : {}) }),
    routeToApp: () => {},
    dropAppRoute: () => {},
    ownPort: () => undefined,
  };
  const apps = new AppPublications(registry, ingress, { dataDir: mkdtempSync(join(tmpdir(), 'pmesh-apps-')), healthIntervalMs: 60_000, maxFailures: 3, log: createRootLogger('silent') });
  try {
    await apps.publish({ service: 'com.example.OrderService', protocol: 'dubbo', port: 8080, metadata: { region: 'eu' } });
  } finally {
    apps.close();
  }
  return seen!;
}

const material = { current: () => ({ key: '', cert: '', ca: '', trustDomain: 'mesh.test' }), onChange: () => () => {} };

describe('publications through a sidecar carry the mark', () => {
  it('strict and permissive ingresses are marked as taking mTLS; the app\'s own metadata stays', async () => {
    for (const mode of ['strict', 'permissive'] as const) {
      const publication = await published(mode);
      expect(publication.parameters).toEqual({ region: 'eu', 'pmesh.sidecar': 'true', 'pmesh.tls': mode });
      const endpoint = makeEndpoint('127.0.0.1:20880', { source: 'registry', metadata: publicationMetadata(publication) });
      expect(usesMtls(endpoint, { mtls: 'auto', material })).toBe(true);
      expect(usesMtls(endpoint, { mtls: 'off', material })).toBe(false);
      expect(usesMtls(endpoint, { mtls: 'auto' })).toBe(false); // no identity: plaintext
    }
  });

  it('an ingress with tls off is a sidecar spoken to in plaintext, as is an endpoint with no mark unless mtls is on', async () => {
    const publication = await published(undefined);
    expect(publication.parameters).toMatchObject({ 'pmesh.sidecar': 'true', 'pmesh.tls': 'off' });
    const marked = makeEndpoint('127.0.0.1:20880', { source: 'registry', metadata: publicationMetadata(publication) });
    const plain = makeEndpoint('127.0.0.1:20881', { source: 'registry', metadata: { service: 'com.example.OrderService' } });
    expect(usesMtls(marked, { mtls: 'auto', material })).toBe(false);
    expect(usesMtls(plain, { mtls: 'auto', material })).toBe(false);
    expect(usesMtls(plain, { mtls: 'on', material })).toBe(true);
  });
});
