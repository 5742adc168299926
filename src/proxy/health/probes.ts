/**
 * Active health probes, of the kind the protocol plug-in's client side names
 * (src/core/protocol.ts): `heartbeat` sends the protocol's heartbeat frame on a
 * connection of its own and waits for the reply (what SOFARPC's and Dubbo's clients do
 * on idle connections); `http-get` asks `healthCheck.path` and wants a 2xx. A probe of
 * another kind (gRPC's grpc.health.v1) plugs in with `registerProbe`. Probes connect as
 * calls do (dial): over mTLS to a sidecar, over TLS to a provider with `clusters[].tls`.
 */
import { request } from 'node:http';
import { DEFAULT_LIMITS, type Endpoint } from '../../core/index.js';
import { getCodec, getProtocol } from '../../codecs/index.js';
import { dial, usesTls, type EgressTls } from '../transport/index.js';

/** Resolves when the endpoint answered healthy within `timeoutMs`; rejects with why not. */
export type Probe = (endpoint: Endpoint, timeoutMs: number) => Promise<void>;
export interface ProbeOptions {
  readonly path?: string;
  /** The cluster's TLS, as its calls use it. */
  readonly tls?: EgressTls;
}

export type ProbeFactory = (options: ProbeOptions) => Probe;

const factories = new Map<string, ProbeFactory>();

export function registerProbe(protocol: string, factory: ProbeFactory): void {
  factories.set(protocol, factory);
}

/** The probe for a protocol: a registered one, the kind its plug-in names, or undefined. */
export function probeFor(protocol: string, options: ProbeOptions): Probe | undefined {
  const factory = factories.get(protocol);
  if (factory) return factory(options);
  switch (getProtocol(protocol)?.client.probe) {
    case 'http-get':
      return httpProbe(options.path ?? '/', options.tls);
    case 'heartbeat':
      return heartbeatProbe(protocol, options.tls);
    case undefined:
      return undefined;
  }
}

function heartbeatProbe(protocol: string, tls: EgressTls | undefined): Probe {
  return (endpoint, timeoutMs) =>
    new Promise((resolve, reject) => {
      const codec = getCodec(protocol);
      if (!codec) return reject(new Error(`no codec for ${protocol}`));
      const decoder = codec.newDecoder(DEFAULT_LIMITS);
      const { socket, readyEvent } = dial(endpoint, tls);
      const done = (error?: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(() => done(new Error(`no heartbeat reply within ${timeoutMs} ms`)), timeoutMs);
      socket.on(readyEvent, () => {
        for (const buffer of codec.encode(codec.heartbeat(1))) socket.write(buffer);
      });
      socket.on('data', (chunk: Buffer) => {
        try {
          if (decoder.push(chunk).some((frame) => codec.kind(frame) === 'heartbeat-reply')) done();
        } catch (error) {
          done(new Error(`bad heartbeat reply: ${(error as Error).message}`));
        }
      });
      socket.on('error', (error) => done(new Error(`connect failed: ${error.message}`)));
      socket.on('close', () => done(new Error('connection closed before the heartbeat reply')));
    });
}

function httpProbe(path: string, tls: EgressTls | undefined): Probe {
  return (endpoint, timeoutMs) =>
    new Promise((resolve, reject) => {
      // A connection of its own each time: no agent, or node:http would ignore createConnection.
      const connection = usesTls(endpoint, tls) ? { createConnection: () => dial(endpoint, tls).socket } : { agent: false as const };
      const req = request({ host: endpoint.host, port: endpoint.port, path, method: 'GET', timeout: timeoutMs, ...connection }, (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve();
        else reject(new Error(`GET ${path} answered ${status}`));
      });
      req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within ${timeoutMs} ms`)));
      req.on('error', (error) => reject(new Error(error.message)));
      req.end();
    });
}
