/**
 * A Dubbo EchoService built on our own codec, for mirror tests only: it is the shadow
 * whose answers the sidecar compares with a real Java provider's (the comparison is
 * ours, so the shadow may be ours). echo answers its text; greet answers as the Java
 * provider does but with the age one higher, so exactly one field differs.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { DEFAULT_LIMITS } from '../../src/core/index.js';
import { EMPTY_CATALOG, jv, type JavaValue } from '../../src/bridge/index.js';
import { getCodec, setupProtocols } from '../../src/codecs/index.js';

export async function startDubboShadow(): Promise<{ port: number; calls: string[]; close(): Promise<void> }> {
  setupProtocols();
  const dubbo = getCodec('dubbo')!;
  const calls: string[] = [];
  const server: Server = createServer((socket) => {
    const decoder = dubbo.newDecoder(DEFAULT_LIMITS);
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        const kind = dubbo.kind(frame);
        if (kind === 'heartbeat') {
          for (const b of dubbo.encode(dubbo.heartbeatReply(frame))) socket.write(b);
          continue;
        }
        if (kind !== 'request') continue;
        const call = dubbo.bridge!.readRequest(frame, EMPTY_CATALOG);
        calls.push(call.method);
        const value = call.method === 'greet' ? greetedOneOlder(call.args[0] ?? null) : (call.args[0] ?? null);
        for (const b of dubbo.encode(dubbo.bridge!.reply(frame, { kind: 'value', value }))) socket.write(b);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** What EchoServiceImpl.greet answers ("Hello " + name, age + 1, tags + "greeted"), with age + 2. */
function greetedOneOlder(person: JavaValue): JavaValue {
  if (person === null || person.kind !== 'object') return null;
  const field = (name: string): JavaValue => person.fields.find(([own]) => own === name)?.[1] ?? null;
  const name = field('name');
  const age = field('age');
  const tags = field('tags');
  return jv.object(person.className, [
    ['name', jv.string(`Hello ${name !== null && name.kind === 'string' ? name.value : ''}`)],
    ['age', jv.int((age !== null && age.kind === 'int' ? age.value : 0) + 2)],
    ['id', field('id')],
    ['tags', jv.list([...(tags !== null && tags.kind === 'list' ? tags.items : []), jv.string('greeted')])],
  ]);
}
