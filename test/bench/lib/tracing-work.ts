/**
 * The tracing filters' own work per call, in process and without I/O: a Bolt request as
 * SOFARPC's Java client wrote it (golden frames: one with SOFATracer's fields in its header
 * map, one with no trace context), each through the server and attempt span filters
 * to a handler that answers at once, against the same stack without the filters. Spans
 * go to no exporter: this is the work on the call path, not the export.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { boltCodec, type BoltFrame } from '../../../src/codecs/bolt/index.js';
import { withHeaders } from '../../../src/codecs/bolt/telemetry.js';
import { setupProtocols, telemetryOf } from '../../../src/codecs/index.js';
import { Cancel, withLimits, type Invocation, type Result } from '../../../src/core/index.js';
import { compose, observeCalls, type CallContext, type Handler } from '../../../src/proxy/filter.js';
import { attemptSpanFilter, serverSpanFilter } from '../../../src/proxy/filters/tracing.js';
import { startTracing } from '../../../src/tracing/index.js';
import { REPO_ROOT } from '../../support/maven.js';

const CALLS = 100_000;
const TRACES = 1_000;
const REPS = 9;
const SOFA_TRACE_ID = 'rpc_trace_context.sofaTraceId';
const ANSWER: Result = { status: 'ok', protocolStatus: 0, attachments: {}, body: { kind: 'empty' } };
const SILENT = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {}, child: () => SILENT } as unknown as CallContext['log'];

/**
 * SOFARPC Java requests: v1-echo with SOFATracer's fields in the header map, v2-ver1-echo
 * with none. The one with a context comes in TRACES copies, each with a trace id of its
 * own: a trace is sampled or not by its id, and one id would be all or nothing.
 */
function goldenCalls(withContext: boolean): Invocation[] {
  setupProtocols();
  const bytes = readFileSync(join(REPO_ROOT, `test/golden/bolt/${withContext ? 'v1-echo-request' : 'v2-ver1-echo-request'}.bin`));
  const decode = (frameBytes: Buffer): BoltFrame => boltCodec.newDecoder(withLimits({})).push(frameBytes)[0] as BoltFrame;
  const frame = decode(bytes);
  if (!withContext) return [{ ...boltCodec.toInvocation(frame), frame }];
  return Array.from({ length: TRACES }, () => {
    // Encoded and decoded again: the sidecar's calls are frames read off the wire, whose header map is built only if read.
    const traced = decode(Buffer.concat(boltCodec.encode(withHeaders(frame, [[SOFA_TRACE_ID, `7f000001${randomBytes(11).toString('hex')}`]]))));
    return { ...boltCodec.toInvocation(traced), frame: traced };
  });
}

/**
 * A call's context with the fields the filters set declared from the start, as the
 * sidecar's (listeners/rpc-call.ts): a literal without `span` would change shape on every
 * traced call, a cost the sidecar does not pay.
 */
class BenchContext implements CallContext {
  readonly listener = 'bench';
  readonly startedAt = 0;
  readonly log = SILENT;
  readonly cancel = new Cancel();
  cluster: string | undefined = 'echo';
  span: CallContext['span'] = undefined;
}

async function cpuMicrosPerCall(handler: Handler, invocations: Invocation[], calls: number): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < calls; i++) await handler(invocations[i % invocations.length]!, new BenchContext());
  const used = process.cpuUsage(before);
  return (used.user + used.system) / calls;
}

/** The median over REPS of (with filters - without), each pair measured back to back: a busy host moves both alike. */
async function addedMicros(traced: Handler, terminal: Handler, invocations: Invocation[]): Promise<number> {
  await cpuMicrosPerCall(traced, invocations, CALLS / 10);
  const added: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    const base = await cpuMicrosPerCall(terminal, invocations, CALLS / REPS);
    added.push((await cpuMicrosPerCall(traced, invocations, CALLS / REPS)) - base);
  }
  return added.sort((a, b) => a - b)[REPS >> 1]!;
}

/** µs of CPU per call the tracing filters add at this sampling ratio, with and without an incoming context. */
export async function tracingWorkPerCall(sampler: number): Promise<{ withContext: number; withoutContext: number }> {
  const tracing = await startTracing(
    { sampler, serviceName: 'bench', propagate: ['w3c'], queueSize: 2048, batchSize: 512, flushIntervalMs: 5_000, exportTimeoutMs: 10_000 },
    SILENT,
  );
  // Both under the stack's top, which ends a sampled call's server span (filter.ts, whenCallEnds).
  const answer: Handler = () => Promise.resolve(ANSWER);
  const terminal = compose([observeCalls([])], answer);
  const traced = compose([observeCalls([]), serverSpanFilter({ tracer: tracing.tracer, telemetry: telemetryOf }), attemptSpanFilter({ telemetry: telemetryOf })], answer);
  const out = { withContext: 0, withoutContext: 0 };
  for (const withContext of [true, false]) {
    const invocations = goldenCalls(withContext);
    out[withContext ? 'withContext' : 'withoutContext'] = await addedMicros(traced, terminal, invocations);
  }
  await tracing.shutdown();
  return out;
}
