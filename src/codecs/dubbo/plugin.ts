/**
 * Dubbo as a protocol plug-in (src/core/protocol.ts): framed, multiplexed, probed by
 * heartbeat. The bridge may call it with typed arguments, fall back to Dubbo's generic
 * call (`$invoke`, GenericFilter) when no types are known, and pass a caller's own
 * `$invoke` where config allows it.
 */
import { framedProtocol, type ProtocolPlugin } from '../../core/index.js';
import type { BridgeCodec } from '../../bridge/index.js';
import type { DubboFrame } from './layout.js';
import { dubboCodec } from './index.js';
import { dubboTelemetry } from './telemetry.js';

/**
 * Attachments the mesh writes into a Dubbo call (DubboInvoker, RpcInvocation,
 * GenericFilter; docs/protocols.md). A caller who could set `generic` would choose how
 * the provider deserializes the arguments (`nativejava`: CVE-2021-30179).
 */
const RESERVED = ['generic', 'path', 'interface', 'version', 'group', 'timeout', 'dubbo', 'input', 'output'];

export const dubboProtocol: ProtocolPlugin<DubboFrame, BridgeCodec<DubboFrame>> = framedProtocol(dubboCodec, {
  label: 'Dubbo',
  telemetry: dubboTelemetry,
  bridge: { genericCall: true, callerGenericInvoke: true, reservedAttachments: { names: RESERVED, prefixes: [] } },
});
