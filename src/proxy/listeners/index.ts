/** Listener construction by protocol. Binary RPC protocols join when their codecs land. */
import type { Logger, MeshMetrics } from '../../core/index.js';
import type { Handler } from '../filter.js';
import { Http1Listener } from './http1.js';
import type { Listener } from './listener.js';

export type { Listener } from './listener.js';

export interface ListenerSpec {
  readonly name: string;
  readonly protocol: string;
  readonly address: string;
  readonly handler: Handler;
  readonly metrics: MeshMetrics;
  readonly log: Logger;
  readonly maxHeaderBytes: number;
  readonly maxBodyBytes: number;
  readonly maxFrameBytes: number;
}

export function createListener(spec: ListenerSpec): Listener {
  switch (spec.protocol) {
    case 'http1':
      return new Http1Listener(spec);
    default:
      throw new Error(`listener ${spec.name}: protocol "${spec.protocol}" has no listener yet`);
  }
}

export function hasListenerFor(protocol: string): boolean {
  return protocol === 'http1';
}
