/**
 * Which calls are traced, decided before any span exists, so an unsampled call costs no
 * span objects and no rewrite of its frame (docs/tracing.md, "Sampling").
 *
 * A W3C or B3 caller's sampled flag is a decision and is kept. SOFATracer marks nearly
 * every call sampled (its default samples all), so a context known only from SOFATracer
 * decides nothing here: the ratio does, by trace id, so every sidecar on the way decides
 * alike for the same trace. A call with no context is sampled at the ratio by a random
 * number: there is no id yet, and making one for a call that is not traced is the cost
 * this avoids.
 */
import { ROOT_CONTEXT, TraceFlags } from '@opentelemetry/api';
import { SamplingDecision, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import type { IncomingTrace } from './propagation.js';

export class CallSampler {
  readonly ratio: number;
  readonly #byTraceId: TraceIdRatioBasedSampler;

  constructor(ratio: number) {
    this.ratio = ratio;
    this.#byTraceId = new TraceIdRatioBasedSampler(ratio);
  }

  /** Whether the call whose caller sent `incoming` is traced. */
  sampled(incoming: IncomingTrace): boolean {
    const parent = incoming.parent;
    if (!parent) return this.ratio > 0 && Math.random() < this.ratio;
    if (!incoming.parentFromSofa) return (parent.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
    return this.sampledTrace(parent.traceId);
  }

  /** Whether a trace the caller's sampling flag does not decide (SOFATracer's) is traced, by its id. */
  sampledTrace(traceId: string): boolean {
    return this.#byTraceId.shouldSample(ROOT_CONTEXT, traceId).decision === SamplingDecision.RECORD_AND_SAMPLED;
  }
}
