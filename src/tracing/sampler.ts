/**
 * Which calls are traced, decided before any span exists, so an unsampled call costs no
 * span objects and no rewrite of its frame (docs/tracing.md, "Sampling").
 *
 * A W3C or B3 caller's sampled flag is a decision and is kept. SOFATracer marks nearly
 * every call sampled (its default samples all), so a context known only from SOFATracer
 * decides nothing here: the ratio does, by a hash of SOFATracer's trace id, so every
 * sidecar on the way decides alike for the same trace. A call with no context is sampled at the ratio by a random
 * number: there is no id yet, and making one for a call that is not traced is the cost
 * this avoids.
 */
import { TraceFlags } from '@opentelemetry/api';
import { fnv1a } from '../core/hash.js';
import type { IncomingTrace } from './propagation.js';

export class CallSampler {
  readonly ratio: number;
  /** The ratio as a bound on a 32-bit hash. */
  readonly #bound: number;

  constructor(ratio: number) {
    this.ratio = ratio;
    this.#bound = Math.floor(ratio * 0x1_0000_0000);
  }

  /** Whether the call whose caller sent `incoming` is traced. */
  sampled(incoming: IncomingTrace): boolean {
    const parent = incoming.parent;
    if (!parent) return this.sampledNewTrace();
    if (incoming.parentFromSofa && incoming.sofa) return this.sampledSofaTrace(incoming.sofa.traceId);
    return (parent.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
  }

  /** Whether a call that starts a trace (its caller sent none) is traced. */
  sampledNewTrace(): boolean {
    return this.ratio > 0 && Math.random() < this.ratio;
  }

  /**
   * Whether a SOFATracer trace is traced, decided on its id as SOFATracer wrote it (its
   * sampling mark decides nothing). A hash of the id, not the id's digits: SOFATracer's ids
   * end in a counter and a pid, which are far from uniform.
   */
  sampledSofaTrace(sofaTraceId: string): boolean {
    return this.ratio >= 1 || fnv1a(sofaTraceId) < this.#bound;
  }
}
