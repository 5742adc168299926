/** Upstream construction by cluster protocol. */
import { Http1Upstream } from './http1.js';
import type { Upstream, UpstreamOptions } from './upstream.js';

export type { Upstream, UpstreamOptions } from './upstream.js';

export function createUpstream(protocol: string, options: UpstreamOptions): Upstream {
  switch (protocol) {
    case 'http1':
      return new Http1Upstream(options);
    default:
      throw new Error(`cluster ${options.cluster}: protocol "${protocol}" has no upstream yet`);
  }
}

export function hasUpstreamFor(protocol: string): boolean {
  return protocol === 'http1';
}
