/**
 * Bolt (SOFARPC) and Dubbo probes: each sends its protocol's own heartbeat, built by the
 * codec (the frame Java's RpcHeartbeatTrigger / Dubbo's HeartbeatHandler send), and reads
 * the reply with the codec's decoder. The reply names the serialization the peer uses.
 */
import { DEFAULT_LIMITS, type ProtocolCodec } from '../../core/index.js';
import { createBoltCodec, type BoltFrame } from '../../codecs/bolt/index.js';
import { createDubboCodec, serializationOf, type DubboFrame } from '../../codecs/dubbo/index.js';
import { exchange } from './exchange.js';
import type { ProbeResult } from './types.js';

/** Every serializer id is accepted here: the probe reports it, it does not decode a body. */
const ANY_ID = Array.from({ length: 256 }, (_, i) => i);

const BOLT_SERIALIZERS: Readonly<Record<number, string>> = { 0: 'java', 1: 'hessian2', 11: 'protobuf', 12: 'json' };
const DUBBO_SERIALIZATIONS: Readonly<Record<number, string>> = {
  2: 'hessian2', 3: 'java', 4: 'compactedjava', 6: 'fastjson', 7: 'nativejava', 8: 'kryo', 9: 'fst', 10: 'native-hessian',
  11: 'avro', 12: 'protostuff', 16: 'gson', 21: 'protobuf-json', 22: 'protobuf', 23: 'fastjson2', 25: 'kryo2',
};

async function heartbeatProbe<F>(
  protocol: string, codec: ProtocolCodec<F, unknown>, serialization: (reply: F) => string, host: string, port: number, timeoutMs: number,
): Promise<ProbeResult> {
  const request = Buffer.concat(codec.encode(codec.heartbeat(7)));
  const decoder = codec.newDecoder(DEFAULT_LIMITS);
  let reply: F | undefined;
  const result = await exchange(host, port, request, (chunk, received) => {
    if (codec.match(received) === 'no') return false;
    try {
      const frames = decoder.push(chunk);
      reply = frames.find((frame) => codec.kind(frame) === 'heartbeat-reply');
      return reply ? true : undefined;
    } catch {
      return false;
    }
  }, timeoutMs);
  if (reply === undefined) return { protocol, answered: false, connected: result.connected, detail: result.failure ?? 'no heartbeat reply' };
  return { protocol, answered: true, connected: true, rttMs: result.rttMs, serialization: serialization(reply) };
}

export function probeBolt(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  const codec = createBoltCodec({ allowedSerializers: ANY_ID });
  return heartbeatProbe<BoltFrame>('bolt', codec, (reply) => BOLT_SERIALIZERS[reply.codec] ?? `serializer ${reply.codec}`, host, port, timeoutMs);
}

export function probeDubbo(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  const codec = createDubboCodec({ allowedSerializations: ANY_ID.slice(0, 32) });
  return heartbeatProbe<DubboFrame>('dubbo', codec, (reply) => DUBBO_SERIALIZATIONS[serializationOf(reply)] ?? `serialization ${serializationOf(reply)}`, host, port, timeoutMs);
}
