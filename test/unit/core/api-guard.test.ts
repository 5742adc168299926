/**
 * The guard every API of the sidecar shares (src/core/api-guard.ts): the bearer token, TLS on
 * a port that also takes plaintext, the files it reads, and the refusal it answers and counts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiAccess, isLoopbackHost, readApiGuard, sameSecret, type ApiRefusal } from '../../../src/core/index.js';

describe('ApiAccess', () => {
  const counted: ApiRefusal[] = [];
  const access = (options: { token?: string; requireTls?: boolean }) => new ApiAccess('test API', { ...options, onRefused: (reason) => counted.push(reason) });
  afterEach(() => {
    counted.length = 0;
  });

  it('with a token: none or a wrong one is PMESH_UNAUTHENTICATED (counted), the right one passes', () => {
    const guard = access({ token: 's3cret' });
    expect(guard.check({ authorization: undefined, tls: true })).toMatchObject({ reason: 'PMESH_UNAUTHENTICATED', message: expect.stringContaining('send authorization: Bearer <token>') });
    expect(guard.check({ authorization: 'Bearer wrong', tls: true })).toMatchObject({ reason: 'PMESH_UNAUTHENTICATED', message: expect.stringContaining('not the one configured') });
    expect(guard.check({ authorization: 's3cret', tls: true })?.reason).toBe('PMESH_UNAUTHENTICATED');
    expect(guard.check({ authorization: 'Bearer s3cret', tls: true })).toBeUndefined();
    expect(counted).toEqual(['unauthorized', 'unauthorized', 'unauthorized']);
  });

  it('requiring TLS: a plaintext request is PMESH_TLS_REQUIRED even with the right token', () => {
    const guard = access({ token: 't', requireTls: true });
    expect(guard.check({ authorization: 'Bearer t', tls: false })).toMatchObject({ reason: 'PMESH_TLS_REQUIRED', message: expect.stringContaining('served over TLS only') });
    expect(guard.check({ authorization: 'Bearer t', tls: true })).toBeUndefined();
    expect(counted).toEqual(['plaintext']);
  });

  it('unguarded: every request passes and nothing is counted', () => {
    const guard = access({});
    expect(guard.check({ authorization: undefined, tls: false })).toBeUndefined();
    expect(counted).toEqual([]);
  });

  describe('over HTTP', () => {
    let server: Server | undefined;
    afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

    const ask = async (authorization?: string): Promise<{ status: number; challenge?: string; body: unknown }> => {
      const guard = access({ token: 'tok' });
      server = createServer((req, res) => {
        if (guard.admit(req, res)) res.end('{"ok":true}');
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      return new Promise((resolve, reject) => {
        request({ host: '127.0.0.1', port, headers: authorization ? { authorization } : {} }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, challenge: res.headers['www-authenticate'], body: JSON.parse(text) }));
        })
          .on('error', reject)
          .end();
      });
    };

    it('a refused request is answered 401 with a Bearer challenge and a JSON reason, never reaching the handler', async () => {
      expect(await ask()).toEqual({ status: 401, challenge: 'Bearer', body: { error: 'PMESH_UNAUTHENTICATED', message: expect.stringContaining('test API needs its bearer token') } });
      expect(await ask('Bearer tok')).toMatchObject({ status: 200, body: { ok: true } });
    });
  });
});

describe('readApiGuard', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pmesh-guard-'));

  it('reads the token trimmed, and names the field of a file it cannot read or an empty token', () => {
    writeFileSync(join(dir, 'token'), '  abc123\n');
    writeFileSync(join(dir, 'empty'), '\n');
    expect(readApiGuard('admin', { tokenFile: join(dir, 'token') })).toEqual({ token: 'abc123' });
    expect(readApiGuard('admin', {})).toEqual({});
    expect(() => readApiGuard('sofaMeshApi', { tokenFile: join(dir, 'missing') })).toThrow(`sofaMeshApi.tokenFile: cannot read ${join(dir, 'missing')} (ENOENT)`);
    expect(() => readApiGuard('admin', { tokenFile: join(dir, 'empty') })).toThrow('admin.tokenFile: ' + join(dir, 'empty') + ' is empty');
    expect(() => readApiGuard('admin', { tls: { certFile: join(dir, 'nope.crt'), keyFile: join(dir, 'token') } })).toThrow('admin.tls.certFile: cannot read');
  });
});

describe('sameSecret and isLoopbackHost', () => {
  it('compares secrets of any lengths', () => {
    expect(sameSecret('a', 'a')).toBe(true);
    expect(sameSecret('a', 'ab')).toBe(false);
    expect(sameSecret('', 'x')).toBe(false);
  });

  it('knows loopback hosts', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '10.0.0.1', '::', 'example.com']) expect(isLoopbackHost(host)).toBe(false);
  });
});
