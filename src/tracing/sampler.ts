/**
 * Which calls are recorded. A W3C or B3 caller's sampled flag is a decision and is kept;
 * a span under a local parent (an attempt under its call) follows it. SOFATracer marks
 * nearly every call sampled (its default samples all), so a parent known only from
 * SOFATracer decides nothing here: `sampler` does, by trace id, so every sidecar on the
 * way decides alike for the same trace.
 */
import { createContextKey, isSpanContextValid, trace, type Context } from '@opentelemetry/api';
import { SamplingDecision, TraceIdRatioBasedSampler, type Sampler, type SamplingResult } from '@opentelemetry/sdk-trace-base';

/** Set on the context of a call whose only parent came from SOFATracer's fields. */
export const SOFA_PARENT = createContextKey('pmesh.sofa-parent');

const RECORD: SamplingResult = { decision: SamplingDecision.RECORD_AND_SAMPLED };
const DROP: SamplingResult = { decision: SamplingDecision.NOT_RECORD };

export class MeshSampler implements Sampler {
  readonly #ratio: TraceIdRatioBasedSampler;

  constructor(ratio: number) {
    this.#ratio = new TraceIdRatioBasedSampler(ratio);
  }

  shouldSample(context: Context, traceId: string): SamplingResult {
    const parent = trace.getSpanContext(context);
    if (parent && isSpanContextValid(parent) && context.getValue(SOFA_PARENT) !== true) {
      return (parent.traceFlags & 1) === 1 ? RECORD : DROP;
    }
    return this.#ratio.shouldSample(context, traceId);
  }

  toString(): string {
    return `MeshSampler{${this.#ratio.toString()}}`;
  }
}
