/**
 * npm sofa-rpc-node (a peer we did not write) against a server made of our codec, in
 * both Hessian dialects: its requests map to Invocations with the right method and
 * argument types, and its client surfaces the message of our localReply.
 */
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boltCodec } from '../../../../src/codecs/bolt/index.js';
import type { Invocation } from '../../../../src/core/invocation.js';
import { MeshError } from '../../../../src/core/errors.js';

interface Consumer {
  ready(): Promise<void>;
  invoke(method: string, args: unknown[], options: { responseTimeout: number }): Promise<unknown>;
}
interface RpcClientType {
  createConsumer(options: Record<string, unknown>): Consumer;
  close(): Promise<void> | void;
}

const require = createRequire(import.meta.url);
const { RpcClient } = require('sofa-rpc-node').client as { RpcClient: new (options: Record<string, unknown>) => RpcClientType };
const bolt = require('sofa-bolt-node') as { setOptions(options: { hessianVersion: string }): void };
const quiet = { info() {}, warn() {}, debug() {}, error() {} };

let server: Server;
let port = 0;
const seen: Invocation[] = [];

beforeAll(async () => {
  server = createServer((socket) => {
    const decoder = boltCodec.newDecoder();
    socket.on('data', (chunk) => {
      try {
        for (const frame of decoder.push(chunk)) {
          const kind = boltCodec.kind(frame);
          if (kind === 'heartbeat') socket.write(Buffer.concat(boltCodec.encode(boltCodec.heartbeatReply(frame))));
          if (kind !== 'request') continue;
          const invocation = boltCodec.toInvocation(frame);
          seen.push(invocation);
          const error = new MeshError('PMESH_NO_ROUTE', `no route for ${invocation.service.interface}`);
          socket.write(Buffer.concat(boltCodec.encode(boltCodec.localReply(frame, error))));
        }
      } catch {
        socket.destroy();
      }
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
});

afterAll(() => {
  server.close();
  bolt.setOptions({ hessianVersion: '3.0' });
});

describe('sofa-rpc-node client -> our codec', () => {
  for (const hessianVersion of ['3.0', '4.0']) {
    it(`hessian ${hessianVersion}: routing view from the body, and the client shows our error`, async () => {
      bolt.setOptions({ hessianVersion });
      const client = new RpcClient({ logger: quiet });
      const consumer = client.createConsumer({ interfaceName: 'com.example.EchoService', version: '1.0', serverHost: `127.0.0.1:${port}` });
      await consumer.ready();
      seen.length = 0;
      const call = consumer.invoke('add', [{ $class: 'int', $: 2 }, { $class: 'int', $: 40 }], { responseTimeout: 3000 });
      await expect(call).rejects.toThrow(
        '[polyglot-mesh] com.example.EchoService:1.0#add: no route for com.example.EchoService (PMESH_NO_ROUTE)',
      );
      expect(seen).toHaveLength(1);
      expect(seen[0]?.method).toBe('add');
      expect(seen[0]?.argTypes).toEqual(['int', 'int']);
      expect(seen[0]?.deadline).toBeDefined();
      await client.close();
    });
  }
});
