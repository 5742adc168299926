/**
 * A size-prefixed, human-readable protocol (after Envoy's fake_codec.h) so the
 * routing core can be tested with no real protocol. A frame on the wire is
 *
 *   <decimal length>\n<text>
 *
 * where text is `KIND id service method key=value... | payload`, KIND one of
 * REQ, ONE, RSP, HB, HBR. Example: `26\nREQ 7 echo.Svc say | hello`.
 */
import { fileURLToPath } from 'node:url';
import {
  MeshError,
  framedProtocol,
  type FrameDecoder,
  type FrameKind,
  type Invocation,
  type Limits,
  type ProtocolCodec,
  type ProtocolPlugin,
  type Result,
} from '../../src/core/index.js';

export interface FakeFrame {
  readonly kind: 'REQ' | 'ONE' | 'RSP' | 'HB' | 'HBR';
  readonly id: bigint;
  readonly service: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly payload: string;
}

const KINDS: Record<FakeFrame['kind'], FrameKind> = {
  REQ: 'request',
  ONE: 'oneway',
  RSP: 'response',
  HB: 'heartbeat',
  HBR: 'heartbeat-reply',
};

export function formatFrame(frame: FakeFrame): string {
  const headers = Object.entries(frame.headers).map(([k, v]) => ` ${k}=${v}`).join('');
  return `${frame.kind} ${frame.id} ${frame.service} ${frame.method}${headers} | ${frame.payload}`;
}

export function parseFrame(text: string): FakeFrame {
  const bar = text.indexOf(' | ');
  if (bar === -1) throw new MeshError('PMESH_CODEC_ERROR', `fake: no " | " in ${JSON.stringify(text)}`);
  const [kind, id, service, method, ...pairs] = text.slice(0, bar).split(' ');
  if (!kind || !(kind in KINDS)) throw new MeshError('PMESH_CODEC_ERROR', `fake: unknown kind ${JSON.stringify(kind)}`);
  if (!id || !/^\d+$/.test(id)) throw new MeshError('PMESH_CODEC_ERROR', `fake: bad id ${JSON.stringify(id)}`);
  const headers: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq > 0) headers[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { kind: kind as FakeFrame['kind'], id: BigInt(id), service: service ?? '', method: method ?? '', headers, payload: text.slice(bar + 3) };
}

class FakeDecoder implements FrameDecoder<FakeFrame> {
  #buffer = Buffer.alloc(0);
  readonly #limits: Limits;
  constructor(limits: Limits) {
    this.#limits = limits;
  }
  get buffered(): number {
    return this.#buffer.length;
  }
  push(chunk: Buffer): FakeFrame[] {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    const frames: FakeFrame[] = [];
    for (;;) {
      const newline = this.#buffer.indexOf(10);
      if (newline === -1) {
        if (this.#buffer.length > 10) throw new MeshError('PMESH_CODEC_ERROR', 'fake: length line longer than 10 bytes');
        return frames;
      }
      const length = Number(this.#buffer.subarray(0, newline).toString('latin1'));
      if (!Number.isInteger(length) || length < 0) throw new MeshError('PMESH_CODEC_ERROR', 'fake: bad length line');
      if (length > this.#limits.maxFrameBytes) {
        throw new MeshError('PMESH_FRAME_TOO_LARGE', `fake: frame of ${length} bytes exceeds the limit of ${this.#limits.maxFrameBytes}`);
      }
      if (this.#buffer.length < newline + 1 + length) return frames;
      frames.push(parseFrame(this.#buffer.subarray(newline + 1, newline + 1 + length).toString('utf8')));
      this.#buffer = this.#buffer.subarray(newline + 1 + length);
    }
  }
}

export const fakeCodec: ProtocolCodec<FakeFrame> = {
  name: 'fake',
  match: (head) => (head.length === 0 ? 'need-more' : /^\d/.test(String.fromCharCode(head[0] ?? 0)) ? 'yes' : 'no'),
  newDecoder: (limits) => new FakeDecoder(limits),
  encode(frame) {
    const text = Buffer.from(formatFrame(frame), 'utf8');
    return [Buffer.from(`${text.length}\n`, 'latin1'), text];
  },
  kind: (frame) => KINDS[frame.kind],
  requestId: (frame) => Number(frame.id),
  withRequestId: (frame, id) => ({ ...frame, id: BigInt(id) }),
  heartbeat: (id) => ({ kind: 'HB', id: BigInt(id), service: '-', method: '-', headers: {}, payload: '' }),
  heartbeatReply: (request) => ({ ...request, kind: 'HBR' }),
  toInvocation(frame): Invocation {
    const timeout = Number(frame.headers.timeout);
    return {
      protocol: 'fake',
      service: { interface: frame.service, version: frame.headers.version },
      method: frame.method,
      attachments: frame.headers,
      deadline: Number.isFinite(timeout) && timeout > 0 ? performance.now() + timeout : undefined,
      oneway: frame.kind === 'ONE',
      body: { kind: 'raw', serialization: 0, bytes: Buffer.from(frame.payload, 'utf8') },
    };
  },
  withTimeout: (frame, remainingMs) => ({ ...frame, headers: { ...frame.headers, timeout: String(Math.max(1, Math.floor(remainingMs))) } }),
  toResult(frame): Result {
    const failed = frame.headers.status !== undefined && frame.headers.status !== '0';
    return {
      status: failed ? 'error' : 'ok',
      protocolStatus: Number(frame.headers.status ?? 0),
      attachments: frame.headers,
      body: { kind: 'raw', serialization: 0, bytes: Buffer.from(frame.payload, 'utf8') },
      message: failed ? frame.payload : undefined,
    };
  },
  localReply: (request, error) => ({
    kind: 'RSP',
    id: request.id,
    service: request.service,
    method: request.method,
    headers: { status: String(error.code), reason: error.reason },
    payload: error.message,
  }),
};

/** The fake codec as a protocol plug-in: framed, multiplexed, heartbeat-probed, routable by registry. */
export const fakeProtocol: ProtocolPlugin<FakeFrame> = framedProtocol(fakeCodec, { label: 'fake' });

/** This module is a protocol plug-in module (docs/plugins.md): a sidecar loads it from its config's `plugins`. */
export default fakeProtocol;

/** The config line that loads the fake protocol in a sidecar a test starts, in each of its workers too. */
export const FAKE_PLUGIN_YAML = `plugins: [${JSON.stringify(fileURLToPath(import.meta.url))}]`;
