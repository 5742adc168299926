/**
 * Which calls are traced, decided before any span exists, so an unsampled call costs no
 * span objects and no rewrite of its frame (docs/tracing.md, "Sampling").
 *
 * A W3C or B3 caller's sampled flag is a decision and is kept. SOFATracer marks nearly
 * every call sampled (its default samples all), so a context known only from SOFATracer
 * decides nothing here: the ratio does, by a hash of SOFATracer's trace id, so every
 * sidecar on the way decides alike for the same trace. A call with no context is sampled
 * at the ratio by a random number: there is no id yet, and making one for a call that is
 * not traced is the cost this avoids.
 *
 * The decision runs on every call, so it reads as little as decides it (`decide`): a
 * W3C `traceparent`'s flags, SOFATracer's trace id hashed where it lies (the carrier's
 * `hash`, no string made), or the absence of every format; whatever it cannot settle so
 * (B3, a malformed `traceparent`, an unusual SOFATracer string) is read in full first.
 */
import { TraceFlags } from '@opentelemetry/api';
import { fnv1aUtf8 } from '../core/hash.js';
import type { TraceCarrier } from '../core/telemetry.js';
import type { IncomingTrace } from './propagation.js';

/** What `decide` found: the call carries no context and is not sampled (nothing to do). */
export const NOT_TRACED = 0;
/** Sampled: its context (or none) is read in full and its spans are made. */
export const SAMPLED = 1;
/** Not sampled, and it carries a context: it passes on as it came. */
export const UNSAMPLED = 2;
/** Not settled on the first look: read the whole context and ask `sampled`. */
export const UNDECIDED = 3;
export type Decision = typeof NOT_TRACED | typeof SAMPLED | typeof UNSAMPLED | typeof UNDECIDED;

export class CallSampler {
  readonly ratio: number;
  /** The ratio as a bound on a 32-bit hash. */
  readonly #bound: number;

  constructor(ratio: number) {
    this.ratio = ratio;
    this.#bound = Math.floor(ratio * 0x1_0000_0000);
  }

  /**
   * The first look at a call's entries: the formats in extractTrace's order (W3C, B3,
   * SOFATracer), each settled from as little as it takes, so that it decides as
   * `sampled(extractTrace(carrier))` would.
   */
  decide(carrier: TraceCarrier): Decision {
    const traceparent = carrier.get('traceparent');
    if (traceparent !== undefined) {
      const flags = traceparentFlags(traceparent);
      if (flags < 0) return UNDECIDED;
      return (flags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? SAMPLED : UNSAMPLED;
    }
    if (carrier.get('b3') !== undefined || carrier.get('x-b3-traceid') !== undefined) return UNDECIDED;
    const context = carrier.get('sofa-span-context');
    if (context) {
      const hash = tcidHash(context);
      if (hash === undefined) return UNDECIDED;
      return this.sampledSofaHash(hash) ? SAMPLED : UNSAMPLED;
    }
    const hash = carrier.hash ? carrier.hash('sofa-trace-id') : hashOf(carrier.get('sofa-trace-id'));
    if (hash !== undefined) return this.sampledSofaHash(hash) ? SAMPLED : UNSAMPLED;
    return this.sampledNewTrace() ? SAMPLED : NOT_TRACED;
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
    return this.sampledSofaHash(fnv1aUtf8(sofaTraceId));
  }

  /** sampledSofaTrace from the id's hash (fnv1aUtf8). */
  sampledSofaHash(hash: number): boolean {
    return this.ratio >= 1 || hash < this.#bound;
  }
}

function hashOf(value: string | undefined): number | undefined {
  return value ? fnv1aUtf8(value) : undefined;
}

/** `traceparent` is 55 characters in version 00: `00-` 32 hex `-` 16 hex `-` 2 hex. */
const TRACEPARENT_LENGTH = 55;

/**
 * The flags of a `traceparent` in the form every W3C implementation writes (version 00,
 * lower-case hex, non-zero ids), checked in one pass; -1 for any other text, which the
 * full reading (OpenTelemetry's propagator) then judges.
 */
function traceparentFlags(text: string): number {
  if (text.length !== TRACEPARENT_LENGTH || text.charCodeAt(0) !== 0x30 || text.charCodeAt(1) !== 0x30) return -1;
  if (text.charCodeAt(2) !== 0x2d || text.charCodeAt(35) !== 0x2d || text.charCodeAt(52) !== 0x2d) return -1;
  const traceIdBits = hexBits(text, 3, 35);
  const spanIdBits = hexBits(text, 36, 52);
  const high = hexDigit(text.charCodeAt(53));
  const low = hexDigit(text.charCodeAt(54));
  if (traceIdBits <= 0 || spanIdBits <= 0 || high < 0 || low < 0) return -1;
  return (high << 4) | low;
}

/**
 * The OR of the hex digits `text[start, end)`: 0 when all are zero, -1 when one is not a
 * lower-case hex digit. Two loops over a table rather than one with a branch per character:
 * every W3C call's `traceparent` is checked.
 */
function hexBits(text: string, start: number, end: number): number {
  let bits = 0;
  for (let i = start; i < end; i++) bits |= hexDigit(text.charCodeAt(i));
  return bits;
}

/** The value of each lower-case hex digit by its character code; -1 for every other code below 128. */
const HEX_DIGITS = new Int8Array(128).fill(-1);
for (let c = 0; c < 16; c++) HEX_DIGITS['0123456789abcdef'.charCodeAt(c)] = c;

function hexDigit(c: number): number {
  return c < 128 ? HEX_DIGITS[c]! : -1;
}

const TCID = 'tcid=';

/**
 * fnv1aUtf8 of the trace id in SOFATracer's one-string form when it comes first, as
 * SOFATracer writes it (`tcid=<id>&...`), and once; undefined otherwise (read in full).
 */
function tcidHash(text: string): number | undefined {
  if (!text.startsWith(TCID)) return undefined;
  const end = text.indexOf('&', TCID.length);
  const idEnd = end < 0 ? text.length : end;
  if (idEnd === TCID.length || text.includes('&tcid=', idEnd)) return undefined;
  return fnv1aUtf8(text.slice(TCID.length, idEnd));
}
