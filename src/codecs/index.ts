/**
 * The codec registry: the proxy's only door into protocols. Codecs are registered
 * explicitly by `setupCodecs()` (called once by the composition root), never as an
 * import side effect, so import order never changes behaviour.
 */
import type { MatchResult, ProtocolCodec } from '../core/index.js';
import { GENERIC_TELEMETRY, type ProtocolTelemetry } from '../core/telemetry.js';
import { dubboCodec } from './dubbo/index.js';
import { boltCodec } from './bolt/index.js';
import { boltTelemetry } from './bolt/telemetry.js';
import { dubboTelemetry } from './dubbo/telemetry.js';
import { grpcTelemetry } from './grpc/telemetry.js';
import { http1Telemetry } from './http1/telemetry.js';

// Frames are opaque to the proxy; each codec knows its own frame type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCodec = ProtocolCodec<any>;

const codecs = new Map<string, AnyCodec>();

export function registerCodec(codec: AnyCodec): void {
  codecs.set(codec.name, codec);
}

export function getCodec(name: string): AnyCodec | undefined {
  return codecs.get(name);
}

export function isCodecRegistered(name: string): boolean {
  return codecs.has(name);
}

export function codecNames(): string[] {
  return [...codecs.keys()];
}

/** Which registered codec claims these first bytes; 'need-more' if one might with more. */
export function detectCodec(head: Buffer): AnyCodec | 'need-more' | undefined {
  let undecided = false;
  for (const codec of codecs.values()) {
    const answer: MatchResult = codec.match(head);
    if (answer === 'yes') return codec;
    if (answer === 'need-more') undecided = true;
  }
  return undecided ? 'need-more' : undefined;
}

/** Registers every built-in codec. Protocol folders add their line here as they land. */
export function setupCodecs(): void {
  registerCodec(boltCodec);
  // bolt and dubbo register here once their folders exist (issues 3 and 4).
  registerCodec(dubboCodec);
}

const TELEMETRY: Readonly<Record<string, ProtocolTelemetry>> = { bolt: boltTelemetry, dubbo: dubboTelemetry, grpc: grpcTelemetry, http1: http1Telemetry };

/** Where a protocol carries trace keys and which statuses it answers with (tracing, access log). */
export function telemetryOf(protocol: string): ProtocolTelemetry {
  return TELEMETRY[protocol] ?? GENERIC_TELEMETRY;
}

/** HTTP/1 mapping helpers (the protocol itself is node:http's). */
export * as http1 from './http1/index.js';
export * as grpc from './grpc/index.js';
