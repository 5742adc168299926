/**
 * The demo's providers of com.example.EchoService, as Node servers on the sidecar's own
 * codecs: a Dubbo provider (version 1.0.0, like clients/java/dubbo's Provider) and a
 * SOFARPC Bolt server (version 1.0, like clients/java/sofarpc's Server). Each decodes a
 * call into typed values, answers it with echo-service.ts, and writes the reply as the
 * Java framework would. They are registered in the sidecar's registry like any provider.
 */
import { NOOP_METRICS, type Logger } from '../core/index.js';
import { TypeCatalog } from '../bridge/index.js';
import { getCodec } from '../codecs/index.js';
import { grpcSchema } from '../config/grpc-schema.js';
import { PartialFrameBudget, createListener, type Handler, type Listener } from '../proxy/index.js';
import { ECHO_SERVICE, PERSON_FIELDS, answerEcho } from './echo-service.js';

export interface DemoProvider {
  readonly protocol: 'dubbo' | 'bolt';
  readonly address: string;
  readonly service: string;
  readonly version: string;
}

/** Where the demo's providers (and the Java ones, `pmesh demo --java`) listen. */
export const DEMO_PROVIDERS: readonly DemoProvider[] = [
  { protocol: 'dubbo', address: '127.0.0.1:20880', service: ECHO_SERVICE, version: '1.0.0' },
  { protocol: 'bolt', address: '127.0.0.1:12200', service: ECHO_SERVICE, version: '1.0' },
];

const CATALOG = new TypeCatalog([{ className: 'com.example.Person', fields: PERSON_FIELDS.map((f) => ({ ...f })) }], []);

function echoHandler(protocol: string): Handler {
  const codec = getCodec(protocol);
  if (!codec?.bridge) throw new Error(`the demo cannot serve ${protocol}`);
  const bridge = codec.bridge;
  return async (invocation) => {
    const request = invocation.frame;
    const call = bridge.readRequest(request, CATALOG);
    const outcome =
      call.service.interface === ECHO_SERVICE
        ? answerEcho(call, protocol === 'dubbo' ? 'dubbo' : 'sofarpc')
        : ({ kind: 'exception', message: `no service ${call.service.interface} here` } as const);
    const reply = bridge.reply(request, outcome);
    return { ...codec.toResult(reply), frame: reply };
  };
}

/** Starts every demo provider; resolves once all listen. */
export async function startDemoProviders(log: Logger, providers: readonly DemoProvider[] = DEMO_PROVIDERS): Promise<{ close(): Promise<void> }> {
  const started: Listener[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(started.map((listener) => listener.close(0)));
  };
  try {
    for (const provider of providers) {
      const listener = createListener({
        name: `demo-${provider.protocol}-provider`,
        protocol: provider.protocol,
        address: provider.address,
        handler: echoHandler(provider.protocol),
        metrics: NOOP_METRICS,
        log: log.child({ module: `demo-${provider.protocol}-provider` }),
        maxHeaderBytes: 16 * 1024,
        maxBodyBytes: 1024 * 1024,
        maxFrameBytes: 1024 * 1024,
        frameReadTimeoutMs: 10_000,
        headersTimeoutMs: 10_000,
        requestTimeoutMs: 300_000,
        keepAliveTimeoutMs: 5_000,
        maxConnections: 1_000,
        partialFrames: new PartialFrameBudget(64 * 1024 * 1024),
        grpc: grpcSchema.parse({}),
      });
      await listener.start();
      started.push(listener);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { close };
}
