/**
 * The protocol registry: the proxy's only door into protocols, and the one place that
 * names them. Each protocol is a folder exporting a ProtocolPlugin (src/core/protocol.ts);
 * `setupProtocols()` (called once by the composition root) registers them, never an
 * import side effect, so import order never changes behaviour. Adding a protocol is its
 * folder and one line in `setupProtocols`.
 */
import type { MatchResult, ProtocolCodec, ProtocolPlugin } from '../core/index.js';
import type { BridgeCodec } from '../bridge/index.js';
import { boltProtocol } from './bolt/plugin.js';
import { dubboProtocol } from './dubbo/plugin.js';
import { grpcProtocol } from './grpc/plugin.js';
import { http1Protocol } from './http1/plugin.js';
import { tripleProtocol } from './triple/index.js';
import { GENERIC_TELEMETRY, type ProtocolTelemetry } from '../core/telemetry.js';

// Frames are opaque to the proxy; each plug-in knows its own frame type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCodec = ProtocolCodec<any, BridgeCodec<any>>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProtocol = ProtocolPlugin<any, BridgeCodec<any>>;

const protocols = new Map<string, AnyProtocol>();

/** Registers every built-in protocol. */
export function setupProtocols(): void {
  registerProtocol(http1Protocol);
  registerProtocol(grpcProtocol);
  registerProtocol(boltProtocol);
  registerProtocol(dubboProtocol);
  // After gRPC: both claim the HTTP/2 preface, and a sniffer asking all of them gets gRPC.
  registerProtocol(tripleProtocol);
}

export function registerProtocol(plugin: AnyProtocol): void {
  protocols.set(plugin.name, plugin);
  reserved = undefined;
}

export function getProtocol(name: string): AnyProtocol | undefined {
  return protocols.get(name);
}

export function isProtocolRegistered(name: string): boolean {
  return protocols.has(name);
}

export function protocolNames(): string[] {
  return [...protocols.keys()];
}

/** The frame codec of a protocol on the `framed` transport (Bolt, Dubbo), or undefined. */
export function getCodec(name: string): AnyCodec | undefined {
  const server = protocols.get(name)?.server;
  return server?.transport === 'framed' ? (server.codec as AnyCodec) : undefined;
}

/** The protocol apps name this way in the publish API (`appProtocol: http`), if any. */
export function protocolForApp(appProtocol: string): AnyProtocol | undefined {
  for (const plugin of protocols.values()) if (plugin.appProtocol === appProtocol) return plugin;
  return undefined;
}

export interface ReservedAttachments {
  readonly names: ReadonlySet<string>;
  readonly prefixes: readonly string[];
}

let reserved: ReservedAttachments | undefined;

/** The attachment names and prefixes every registered protocol reserves for the mesh. */
export function reservedAttachments(): ReservedAttachments {
  if (reserved) return reserved;
  const names = new Set<string>();
  const prefixes: string[] = [];
  for (const plugin of protocols.values()) {
    for (const name of plugin.bridge.reservedAttachments?.names ?? []) names.add(name);
    prefixes.push(...(plugin.bridge.reservedAttachments?.prefixes ?? []));
  }
  return (reserved = { names, prefixes });
}

/** The scheme a registry lists this protocol's providers under (`tri` for Triple); the name itself for most. */
export function registrySchemeOf(name: string): string {
  return protocols.get(name)?.registryScheme ?? name;
}

/**
 * Which registered protocol claims these first bytes; 'need-more' if one might with more.
 * `candidates` (names, asked in that order) narrows the search; all protocols when absent.
 */
export function detectProtocol(head: Buffer, candidates?: readonly string[]): AnyProtocol | 'need-more' | undefined {
  let undecided = false;
  const asked = candidates ? candidates.map((name) => protocols.get(name)).filter((p) => p !== undefined) : protocols.values();
  for (const plugin of asked) {
    const answer: MatchResult = plugin.match(head);
    if (answer === 'yes') return plugin;
    if (answer === 'need-more') undecided = true;
  }
  return undecided ? 'need-more' : undefined;
}

/** Where a protocol carries trace keys and which statuses it answers with (tracing, access log). */
export function telemetryOf(protocol: string): ProtocolTelemetry {
  return getProtocol(protocol)?.telemetry ?? GENERIC_TELEMETRY;
}
