/**
 * SOFARPC over Bolt as a protocol plug-in (src/core/protocol.ts): framed, multiplexed,
 * probed by heartbeat, callable by the bridge with typed arguments; the protocol SOFARPC
 * apps registered through the mesh registry API call in.
 */
import { framedProtocol, type ProtocolPlugin } from '../../core/index.js';
import type { BridgeCodec } from '../../bridge/index.js';
import type { BoltFrame } from './frame.js';
import { boltCodec } from './index.js';
import { boltTelemetry } from './telemetry.js';

/**
 * Request properties and Bolt header keys the mesh writes into a SOFARPC call
 * (RemotingConstants HEAD_*, the requestProps a Java client sets; docs/protocols.md).
 */
const RESERVED = ['service', 'protocol', 'type', 'app', 'generic.revise'];
const RESERVED_PREFIXES = ['sofa_head_', 'rpc_trace_context'];

export const boltProtocol: ProtocolPlugin<BoltFrame, BridgeCodec<BoltFrame>> = {
  ...framedProtocol(boltCodec, {
    label: 'SOFARPC (Bolt)',
    telemetry: boltTelemetry,
    bridge: { reservedAttachments: { names: RESERVED, prefixes: RESERVED_PREFIXES } },
  }),
  sofaMeshEgress: true,
};
