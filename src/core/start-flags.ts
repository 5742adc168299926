/**
 * What bin/pmesh.js holds back while `pmesh start` loads and starts the sidecar, given back
 * once it is ready: V8's optimizing and baseline compilers, TurboFan and Sparkplug (no
 * function of a start gains from them; their compile jobs and code cost CPU and 4 to 5 MiB
 * of RSS) and the young generation's growth (most of what a start makes lives on, so V8
 * would grow it to sizes then left idle).
 * heap.maxSemiSpaceMiB takes over the young generation (young-generation.ts), and
 * heap.settleAfterStart gives back what the start left behind (settle-heap.ts),
 * heap.settleWhenIdleS what a busy spell left once the calls stop (settle-when-idle.ts), and
 * heap.reuseWriteBuffers turns on the turn's write arena (joined-writes.ts).
 */
import { setFlagsFromString } from 'node:v8';
import { settleHeapAfterStart } from './settle-heap.js';
import { settleWhenIdle } from './settle-when-idle.js';
import { reuseTurnBuffers } from './joined-writes.js';
import { capYoungGeneration } from './young-generation.js';

/** Process-wide: call it once the sidecar is ready, from `pmesh start` (a worker of `workers: N` is started without the hold), never from run(), which tests call in a shared process. */
export function endStart(heap: { readonly maxSemiSpaceMiB: number; readonly settleAfterStart: boolean; readonly settleWhenIdleS: number; readonly reuseWriteBuffers: boolean }): void {
  setFlagsFromString('--turbofan');
  setFlagsFromString('--sparkplug');
  capYoungGeneration(heap.maxSemiSpaceMiB);
  reuseTurnBuffers(heap.reuseWriteBuffers);
  if (heap.settleAfterStart) settleHeapAfterStart();
  if (heap.settleWhenIdleS > 0) settleWhenIdle(heap.settleWhenIdleS);
}
