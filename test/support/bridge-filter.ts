/**
 * Drives the production bridge filter (src/proxy/bridge.ts, `bridgeStep`) without sockets:
 * an HTTP/JSON call goes in, the frame the filter built for the cluster's codec comes out,
 * and a reply frame (a Java peer's golden, say) comes back as the JSON the app would get.
 */
import { Cancel, type Invocation, type Logger, type Result, type ServiceKey } from '../../src/core/index.js';
import type { MethodSignature } from '../../src/bridge/index.js';
import { setupProtocols } from '../../src/codecs/index.js';
import { DEFAULT_BRIDGE, type BridgeOptions, type Cluster } from '../../src/proxy/index.js';
import { bridgeStep } from '../../src/proxy/bridge.js';

export interface BridgeFilterCall {
  /** The cluster's protocol: `dubbo` or `bolt`. */
  readonly protocol: string;
  readonly service: ServiceKey;
  readonly method: string;
  /** The HTTP body: the JSON argument list, as text (longs beyond 2^53 stay exact). */
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Signatures known for the service (configured or published). */
  readonly signatures?: readonly MethodSignature[];
  readonly options?: Partial<BridgeOptions>;
  /** The reply frame the upstream answers with; without it the call is answered empty. */
  readonly reply?: (request: unknown) => unknown;
}

export interface BridgeFilterAnswer {
  /** The request frame the filter built for the cluster's codec. */
  readonly request: unknown;
  /** The HTTP status and the parsed JSON body the caller gets (when a reply was given). */
  readonly status?: number;
  readonly json?: unknown;
}

const QUIET = { warn: () => {}, debug: () => {}, info: () => {}, error: () => {}, child: () => QUIET } as unknown as Logger;

export async function throughBridgeFilter(call: BridgeFilterCall): Promise<BridgeFilterAnswer> {
  setupProtocols();
  const options: BridgeOptions = {
    ...DEFAULT_BRIDGE,
    signatures: () => call.signatures,
    ...call.options,
  };
  const cluster = { name: 'target', protocol: call.protocol } as unknown as Cluster;
  const bytes = Buffer.from(call.body);
  const invocation: Invocation = {
    protocol: 'http1',
    service: call.service,
    method: call.method,
    attachments: { 'content-type': 'application/json', ...call.headers },
    oneway: false,
    body: { kind: 'raw', serialization: 0, bytes },
  };
  let request: unknown;
  const handler = bridgeStep(() => cluster, options)(async (sent: Invocation): Promise<Result> => {
    request = sent.frame;
    const frame = call.reply?.(sent.frame);
    return { status: 'ok', protocolStatus: 0, attachments: {}, body: { kind: 'empty' }, frame };
  });
  const result = await handler(invocation, { listener: 'test', startedAt: performance.now(), log: QUIET, cancel: new Cancel(), cluster: 'target' });
  if (call.reply === undefined) return { request };
  const body = result.body.kind === 'raw' ? result.body.bytes.toString() : '';
  return { request, status: result.protocolStatus, json: body === '' ? undefined : JSON.parse(body) };
}
