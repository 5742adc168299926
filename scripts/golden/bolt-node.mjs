#!/usr/bin/env node
/**
 * Bolt golden frames written by npm sofa-rpc-node (client and server, both real),
 * captured by a TCP relay between them, in both Hessian dialects sofa-bolt-node
 * speaks: its default "3.0" (legacy: O/o class definitions, V/M typed lists and
 * maps) and "4.0" (Hessian 2.0 final). Our own encoder is never involved.
 *
 * Usage: node scripts/golden/bolt-node.mjs [OUT_DIR]   (default test/golden/bolt)
 * Writes node-<dialect>-<case>-{request,response}.bin.
 */
import { createRequire } from 'node:module';
import net from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const OUT = resolve(process.argv[2] ?? 'test/golden/bolt');

// sofa-rpc-node's server listens on every interface; keep everything on loopback.
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (port, ...rest) {
  if (typeof port === 'number') return listen.call(this, port, '127.0.0.1', ...rest.filter((a) => typeof a === 'function'));
  return listen.call(this, port, ...rest);
};

const { RpcServer } = require('sofa-rpc-node').server;
const { RpcClient } = require('sofa-rpc-node').client;
const bolt = require('sofa-bolt-node');

const quiet = { info() {}, warn() {}, debug() {}, error() {} };
const INTERFACE = 'com.example.EchoService';

function u16(b, o) { return b.readUInt16BE(o); }
function i32(b, o) { return b.readInt32BE(o); }

/** Splits a byte stream into Bolt frames using the header lengths (docs/protocols.md). */
function frames(all) {
  const out = [];
  let off = 0;
  while (off < all.length) {
    let len;
    if (all[off] === 1) {
      len = all[off + 1] === 0
        ? 20 + u16(all, off + 12) + u16(all, off + 14) + i32(all, off + 16)
        : 22 + u16(all, off + 14) + u16(all, off + 16) + i32(all, off + 18);
    } else if (all[off] === 2) {
      len = all[off + 2] === 0
        ? 22 + u16(all, off + 14) + u16(all, off + 16) + i32(all, off + 18)
        : 24 + u16(all, off + 16) + u16(all, off + 18) + i32(all, off + 20);
      if (all[off + 1] === 2 && (all[off + 11] & 1) === 1) len += 4;
    } else {
      throw new Error(`unexpected protocol byte ${all[off]} at ${off}`);
    }
    out.push(all.subarray(off, off + len));
    off += len;
  }
  return out;
}

async function relay(targetPort) {
  const captures = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    const capture = { toServer: [], toClient: [] };
    captures.push(capture);
    client.on('data', (d) => { capture.toServer.push(Buffer.from(d)); upstream.write(d); });
    upstream.on('data', (d) => { capture.toClient.push(Buffer.from(d)); client.write(d); });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => {});
    upstream.on('error', () => {});
  });
  await new Promise((ok) => server.listen(0, ok));
  return { server, port: server.address().port, captures };
}

const long = (text) => ({ $class: 'long', $: text });
const person = {
  $class: 'com.example.Person',
  $: { name: 'Ada', age: { $class: 'int', $: 36 }, id: long('9007199254740993'), tags: { $class: 'java.util.List', $: ['x', 'y'] } },
};

const CASES = [
  ['echo', 'echo', [{ $class: 'java.lang.String', $: 'hi' }]],
  ['addlong', 'addLong', [long('9007199254740993'), long('1')]],
  ['pojo', 'describe', [person]],
  ['exception', 'fail', [{ $class: 'java.lang.String', $: 'boom' }]],
];

async function capture(dialect, tag) {
  bolt.setOptions({ hessianVersion: dialect });
  const server = new RpcServer({ logger: quiet, port: 0 });
  server.addService({ interfaceName: INTERFACE, version: '1.0' }, {
    async echo(text) { return text; },
    async addLong(a, b) { return long((BigInt(a) + BigInt(b)).toString()); },
    async describe(p) { return `Person{name=${p.name},age=${p.age},id=${p.id}}`; },
    async fail(message) { throw new Error(message); },
  });
  await server.start();
  const serverPort = server.publishPort;
  const tap = await relay(serverPort);
  const client = new RpcClient({ logger: quiet });
  const consumer = client.createConsumer({ interfaceName: INTERFACE, version: '1.0', serverHost: `127.0.0.1:${tap.port}` });
  await consumer.ready();
  for (const [, method, args] of CASES) {
    try {
      console.log(tag, method, '->', await consumer.invoke(method, args, { responseTimeout: 3000 }));
    } catch (err) {
      console.log(tag, method, '-> error', err.message);
    }
  }
  await new Promise((ok) => setTimeout(ok, 200));
  const written = [];
  for (const c of tap.captures) {
    const requests = frames(Buffer.concat(c.toServer)).filter((f) => f.readUInt16BE(2) === 1);
    const responses = frames(Buffer.concat(c.toClient)).filter((f) => f.readUInt16BE(2) === 2);
    const names = new Map();
    requests.forEach((frame, i) => {
      const name = `node-${tag}-${CASES[i][0]}`;
      names.set(frame.readInt32BE(5), name);
      writeFileSync(join(OUT, `${name}-request.bin`), frame);
      written.push(`${name}-request.bin (${frame.length} bytes)`);
    });
    for (const frame of responses) {
      const name = names.get(frame.readInt32BE(5));
      if (!name) throw new Error(`response for unknown id ${frame.readInt32BE(5)}`);
      writeFileSync(join(OUT, `${name}-response.bin`), frame);
      written.push(`${name}-response.bin (${frame.length} bytes)`);
    }
  }
  client.close();
  await server.close();
  tap.server.close();
  if (written.length !== CASES.length * 2) throw new Error(`expected ${CASES.length * 2} frames, got ${written.length}`);
  for (const line of written) console.log('wrote', line);
}

mkdirSync(OUT, { recursive: true });
await capture('3.0', 'legacy');
await capture('4.0', 'final');
process.exit(0);
