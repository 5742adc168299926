/**
 * The last-resort guard around request handlers (issue 9, item 1): what a handler throws,
 * at once or later from its promise, is answered 500 with a reason and no stack, and a
 * response already under way is ended instead of written twice.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { createRootLogger, guardHttp, type HttpHandler } from '../../../src/core/index.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function serve(handler: HttpHandler): Promise<string> {
  const guarded = guardHttp(handler, createRootLogger('silent'));
  server = createServer((req, res) => {
    if (!guarded(req, res)) res.end('declined');
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('guardHttp', () => {
  it('a handler that throws at once is answered 500 with its reason and message, never a stack', async () => {
    const base = await serve(() => {
      throw new TypeError('boom in handler');
    });
    const response = await request(`${base}/x`);
    expect(response.statusCode).toBe(500);
    const body = await response.body.text();
    expect(JSON.parse(body)).toEqual({ error: 'PMESH_INTERNAL', message: 'boom in handler' });
    expect(body).not.toContain('at ');
  });

  it('a handler whose promise rejects is answered 500', async () => {
    const base = await serve(async () => {
      await Promise.resolve();
      throw new Error('late failure');
    });
    const response = await request(`${base}/x`);
    expect(response.statusCode).toBe(500);
    expect(await response.body.json()).toEqual({ error: 'PMESH_INTERNAL', message: 'late failure' });
  });

  it('a handler that fails after starting its answer has the connection ended, and the server keeps serving', async () => {
    let calls = 0;
    const base = await serve(async (_req, res) => {
      calls += 1;
      if (calls === 2) return void res.end('second');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: x\n\n');
      throw new Error('after the head');
    });
    const first = await request(`${base}/stream`);
    expect(first.statusCode).toBe(200);
    await expect(first.body.text()).rejects.toThrow();
    const second = await request(`${base}/again`);
    expect(await second.body.text()).toBe('second');
  });

  it('a handler that declines the request (false) leaves it to the caller', async () => {
    const base = await serve(() => false);
    expect(await (await request(`${base}/x`)).body.text()).toBe('declined');
  });
});
