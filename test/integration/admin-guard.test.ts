/**
 * The admin API beyond loopback (issue 13, item 5): it must be served over TLS to holders of a
 * bearer token, or the config is refused; with both set, a request without the token gets 401.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/index.js';
import { loadConfig } from '../../src/main.js';
import { makeTestCa } from '../support/mesh-ca.js';
import { freePort } from '../support/ports.js';
import { startInProcess, writeConfig } from '../support/sidecar.js';

describe('admin API guard', () => {
  it('a non-loopback admin address without tls and tokenFile is refused, naming both', async () => {
    const path = writeConfig('allowNonLoopback: true\nadmin: { address: 0.0.0.0:15999 }\n');
    await expect(loadConfig(path)).rejects.toThrow(ConfigError);
    await expect(loadConfig(path)).rejects.toThrow(/admin: the admin API on 0\.0\.0\.0 \(beyond loopback\) needs tls and tokenFile/);
  });

  it('over HTTPS with a token: no token or a wrong one is 401, the right one reads the pages', async () => {
    const ca = await makeTestCa('mesh.test');
    const { certFile, keyFile } = await ca.issue('admin');
    const tokenFile = join(ca.dir, '..', 'admin.token');
    writeFileSync(tokenFile, 's3cret-token\n', { mode: 0o600 });
    const port = await freePort();
    const running = await startInProcess(`admin: { address: 127.0.0.1:${port}, tls: { certFile: ${certFile}, keyFile: ${keyFile} }, tokenFile: ${tokenFile} }\n`);
    // The workload certificate names no host: this client checks the chain only.
    const dispatcher = new Agent({ connect: { ca: [readFileSync(ca.caFile, 'utf8')], checkServerIdentity: () => undefined } });
    try {
      const ask = async (authorization?: string) => {
        const response = await request(`https://127.0.0.1:${port}/ready`, { dispatcher, headers: authorization ? { authorization } : {} });
        await response.body.dump();
        return response.statusCode;
      };
      expect(await ask()).toBe(401);
      expect(await ask('Bearer wrong')).toBe(401);
      expect(await ask('Bearer s3cret-token')).toBe(200);
      await expect(request(`http://127.0.0.1:${port}/ready`)).rejects.toThrow();
      // Both refusals and the failed handshake are counted.
      const metrics = await request(`https://127.0.0.1:${port}/metrics`, { dispatcher, headers: { authorization: 'Bearer s3cret-token' } });
      const text = await metrics.body.text();
      expect(text).toMatch(/^pmesh_control_refusals_total\{api="admin",reason="unauthorized"\} 2$/m);
      expect(text).toMatch(/^pmesh_control_refusals_total\{api="admin",reason="tls_handshake"\} [1-9]/m);
    } finally {
      await dispatcher.close();
      await running.stop(0);
    }
  });
});
