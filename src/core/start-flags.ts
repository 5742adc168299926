/**
 * What bin/pmesh.js holds back while `pmesh start` loads and starts the sidecar, given back
 * once it is ready: V8's optimizing compiler (no function of a start gains from it; its
 * compile jobs and code cost CPU and 3 to 4 MiB of RSS) and the young generation's growth
 * (most of what a start makes lives on, so V8 would grow it to sizes then left idle).
 * heap.maxSemiSpaceMiB takes over the young generation (young-generation.ts).
 */
import { setFlagsFromString } from 'node:v8';
import { capYoungGeneration } from './young-generation.js';

/** Process-wide: call it once the sidecar is ready, from `pmesh start` or a worker, never from run(), which tests call in a shared process. */
export function endStart(maxSemiSpaceMiB: number): void {
  setFlagsFromString('--turbofan');
  capYoungGeneration(maxSemiSpaceMiB);
}
