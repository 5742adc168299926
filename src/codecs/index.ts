/**
 * The codec registry: the proxy's only door into protocols. Codecs are registered
 * explicitly by `setupCodecs()` (called once by the composition root), never as an
 * import side effect, so import order never changes behaviour.
 */
import type { MatchResult, ProtocolCodec, StreamProtocol } from '../core/index.js';
import type { BridgeCodec } from '../bridge/index.js';
import { dubboCodec } from './dubbo/index.js';
import { boltCodec } from './bolt/index.js';
import { grpcStreams } from './grpc/index.js';
import { tripleStreams } from './triple/index.js';
import { matchHttp1Method } from './http1/index.js';

// Frames are opaque to the proxy; each codec knows its own frame type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCodec = ProtocolCodec<any, BridgeCodec<any>>;

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

/**
 * How each protocol recognizes the first bytes of a connection, for the `auto` listener:
 * the codecs' and stream protocols' own `match`, and HTTP/1's, which has no codec here
 * (node:http parses it). A protocol plug-in's `match` takes this table's place.
 */
function matcherOf(name: string): ((head: Buffer) => MatchResult) | undefined {
  if (name === 'http1') return matchHttp1Method;
  return codecs.get(name)?.match ?? streamProtocols.get(name)?.match;
}

/** The protocols that can say from a connection's first bytes that it is theirs. */
export function canMatch(name: string): boolean {
  return matcherOf(name) !== undefined;
}

/**
 * Which of `candidates` (in order) claims these first bytes: its name, 'need-more' while
 * one of them might with more bytes, or undefined when none can.
 */
export function detectProtocol(head: Buffer, candidates: readonly string[]): string | 'need-more' | undefined {
  let undecided = false;
  for (const name of candidates) {
    const answer = matcherOf(name)?.(head) ?? 'no';
    if (answer === 'yes') return name;
    if (answer === 'need-more') undecided = true;
  }
  return undecided ? 'need-more' : undefined;
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

const streamProtocols = new Map<string, StreamProtocol>();

export function registerStreamProtocol(protocol: StreamProtocol): void {
  streamProtocols.set(protocol.name, protocol);
}

/** The protocol carried as HTTP/2 streams under this name (gRPC, Triple), if any. */
export function getStreamProtocol(name: string): StreamProtocol | undefined {
  return streamProtocols.get(name);
}

/** The scheme a registry lists this protocol's providers under (`tri` for Triple); the name itself for most. */
export function registrySchemeOf(protocol: string): string {
  return streamProtocols.get(protocol)?.registryScheme ?? protocol;
}

/** Registers every built-in codec. Protocol folders add their line here as they land. */
export function setupCodecs(): void {
  registerCodec(boltCodec);
  registerCodec(dubboCodec);
  registerStreamProtocol(grpcStreams);
  registerStreamProtocol(tripleStreams);
}

/** HTTP/1 mapping helpers (the protocol itself is node:http's). */
export * as http1 from './http1/index.js';
export * as grpc from './grpc/index.js';
