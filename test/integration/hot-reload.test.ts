/**
 * A changed config file is applied while the sidecar runs: a new route works, calls
 * in flight finish, and open connections the change does not touch stay open. A
 * broken change is refused and the config in force stays.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from 'undici';
import { startUpstream, type TestUpstream } from '../support/http-upstream.js';
import { freePort } from '../support/ports.js';
import { startInProcess } from '../support/sidecar.js';
import type { Running } from '../../src/main.js';

let sidecar: Running & { configPath: string };
let echo: TestUpstream;
let other: TestUpstream;
let proxyPort: number;
let adminPort: number;

const config = (extraRoute: string): string => `
admin: { address: 127.0.0.1:${adminPort} }
listeners:
  - name: http-egress
    protocol: http1
    address: 127.0.0.1:${proxyPort}
    routes:
      - { match: { host: echo.local }, cluster: echo }
${extraRoute}
clusters:
  - { name: echo, protocol: http1, endpoints: [${echo.address}] }
  - { name: other, protocol: http1, endpoints: [${other.address}] }
`;

beforeAll(async () => {
  echo = await startUpstream((req, res) => {
    if (req.url === '/slow') setTimeout(() => res.end('slow done'), 600);
    else res.end('echo');
  });
  other = await startUpstream((_req, res) => res.end('other'));
  proxyPort = await freePort();
  adminPort = await freePort();
  sidecar = await startInProcess(config(''));
});

afterAll(async () => {
  await sidecar?.stop(1_000);
  await echo?.close();
  await other?.close();
});

async function until(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('hot reload', () => {
  it('adds a route without dropping the open connection or the call in flight', async () => {
    let connects = 0;
    const client = new Client(`http://127.0.0.1:${proxyPort}`);
    client.on('connect', () => connects++);
    const call = async (host: string, path = '/'): Promise<{ status: number; text: string }> => {
      const response = await client.request({ path, method: 'GET', headers: { host } });
      return { status: response.statusCode, text: await response.body.text() };
    };
    expect(await call('echo.local')).toEqual({ status: 200, text: 'echo' });
    expect((await call('new.local')).status).toBe(404);

    const slow = call('echo.local', '/slow');
    writeFileSync(sidecar.configPath, config('      - { match: { host: new.local }, cluster: other }'));
    const second = new Client(`http://127.0.0.1:${proxyPort}`);
    await until(async () => {
      const response = await second.request({ path: '/', method: 'GET', headers: { host: 'new.local' } });
      return (await response.body.text()) === 'other';
    });
    await second.close();

    expect(await slow).toEqual({ status: 200, text: 'slow done' });
    expect(await call('new.local')).toEqual({ status: 200, text: 'other' });
    expect(await call('echo.local')).toEqual({ status: 200, text: 'echo' });
    expect(connects).toBe(1);
    await client.close();
  });

  it('keeps the config in force when the changed file is invalid', async () => {
    writeFileSync(sidecar.configPath, 'listeners: [{name: broken, protocol: http1, address: nowhere}]\n');
    await new Promise((r) => setTimeout(r, 500));
    expect(sidecar.sidecar.config.listeners.map((l) => l.name)).toEqual(['http-egress']);
    const client = new Client(`http://127.0.0.1:${proxyPort}`);
    const response = await client.request({ path: '/', method: 'GET', headers: { host: 'new.local' } });
    expect(await response.body.text()).toBe('other');
    await client.close();
  });
});
