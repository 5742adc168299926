/**
 * What the ingress class scan costs one call, measured alone: the bench's own request
 * frame decoded once, then `codec.forEachClassName` with the deny-list check run in a
 * loop in this process. The end-to-end cost shows in the ingress path's figures.
 */
import { performance } from 'node:perf_hooks';
import { getCodec, setupProtocols } from '../../../src/codecs/index.js';
import { DEFAULT_LIMITS } from '../../../src/core/index.js';
import { ClassPolicy } from '../../../src/bridge/index.js';

const WARM_UP = 2_000;
const CALLS = 20_000;

/** Microseconds per request frame for the class scan of `protocol`. */
export function classScanMicros(protocol: string, requestBytes: Buffer): number {
  setupProtocols();
  const codec = getCodec(protocol);
  if (!codec?.forEachClassName) throw new Error(`${protocol} has no class scan`);
  const frame = codec.newDecoder(DEFAULT_LIMITS).push(requestBytes)[0];
  const policy = new ClassPolicy();
  const scan = (): void => codec.forEachClassName!(frame, (name) => policy.checkNotDenied(name));
  for (let i = 0; i < WARM_UP; i++) scan();
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) scan();
  return ((performance.now() - started) * 1000) / CALLS;
}
