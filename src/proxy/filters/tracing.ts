/**
 * Tracing as two filters (docs/tracing.md). The server filter sits just under the stack's
 * top: it has the tracer decide whether the call is sampled and, if so, opens the call's
 * server span, continuing whatever context the caller sent, and has the stack close it
 * when the call ends (whenCallEnds), with the protocol's own status. The attempt filter sits just above the
 * cluster, below retries: each attempt of a sampled call gets its own client span, closed
 * with the attempt's books (endAttempt), and the call it sends carries that span's
 * context in the upstream protocol's place (headers, Bolt header map, Dubbo attachments),
 * through the protocol's telemetry. Neither chains a `then` or wraps the call in an async
 * function: a sampled call's promises are the same as an unsampled one's. An unsampled
 * call passes both untouched: no span, and its frame as it came. Neither filter knows a
 * protocol.
 */
import { MeshError, bodyBytes, type CallSpan, type CallTracer, type Invocation, type ProtocolTelemetry, type Result } from '../../core/index.js';
import { whenCallEnds, type AttemptBook, type CallContext, type CallEnd, type Filter } from '../filter.js';

export interface TracingFilterOptions {
  readonly tracer: CallTracer;
  readonly telemetry: (protocol: string) => ProtocolTelemetry;
}

/**
 * Ends `span` with the outcome (exactly one of `result` and `error` is set): a result's
 * status once known (a gRPC reply's comes with its trailers), or the error's.
 */
function endSpan(span: CallSpan, telemetry: ProtocolTelemetry, ctx: CallContext, result: Result | undefined, error: MeshError | undefined): void {
  const { route, cluster, endpoint } = ctx;
  if (result === undefined) {
    span.end({ status: telemetry.errorStatus(error!), failed: true, reason: error!.reason, route, cluster, endpoint });
    return;
  }
  const failed = result.status !== 'ok' || result.code !== undefined;
  const responseBytes = bodyBytes(result.body);
  const end = (status: number): void => span.end({ status, failed, responseBytes, route, cluster, endpoint });
  const status = telemetry.resultStatus(result);
  if (typeof status === 'number') end(status);
  else void status.then(end);
}

/**
 * Ends a span when what it covers ends: a sampled call's server span as one of the call's
 * ends (the stack tells it), an attempt's client span with the attempt's books, which it
 * holds in front of the cluster's and hands on to them first.
 */
class SpanEnd implements CallEnd, AttemptBook {
  readonly #span: CallSpan;
  readonly #telemetry: ProtocolTelemetry;
  readonly #ctx: CallContext;
  /** An attempt's: the cluster's books, closed before the span ends. */
  readonly #books: AttemptBook | undefined;

  constructor(span: CallSpan, telemetry: ProtocolTelemetry, ctx: CallContext, books?: AttemptBook) {
    this.#span = span;
    this.#telemetry = telemetry;
    this.#ctx = ctx;
    this.#books = books;
  }

  callEnded(result: Result | undefined, error: MeshError | undefined): void {
    endSpan(this.#span, this.#telemetry, this.#ctx, result, error);
  }

  attemptEnded(ctx: CallContext, result: Result | undefined, error: MeshError | undefined): void {
    // The cluster's books first: its in-flight counts must close whatever ending the span does.
    this.#books?.attemptEnded(ctx, result, error);
    endSpan(this.#span, this.#telemetry, ctx, result, error);
  }
}

export function serverSpanFilter(options: TracingFilterOptions): Filter {
  return (next) => (invocation, ctx) => {
    const telemetry = options.telemetry(invocation.protocol);
    const span = options.tracer.server(invocation, telemetry, ctx.listener);
    if (span) {
      ctx.span = span;
      if (span.recording) whenCallEnds(ctx, new SpanEnd(span, telemetry, ctx));
    }
    return next(invocation, ctx);
  };
}

export function attemptSpanFilter(options: Pick<TracingFilterOptions, 'telemetry'>): Filter {
  return (next) => (invocation, ctx) => {
    // A call the server filter gave no span (unsampled, no context), or an unsampled one whose frame carries its context already, goes on without a look at its protocol's telemetry.
    const span = ctx.span;
    if (!span || span.forwardedIn === invocation.protocol) return next(invocation, ctx);
    const telemetry = options.telemetry(invocation.protocol);
    const attempt = span.attempt(invocation, telemetry, ctx.cluster);
    if (!attempt) return next(invocation, ctx);
    let carrying = invocation;
    try {
      carrying = telemetry.withTrace(invocation, attempt.entries);
    } catch {
      // A frame that cannot take the entries (a Bolt header map at its size limit) goes as it came: the call matters more than its trace.
    }
    if (!attempt.span) return next(carrying, ctx);
    return endsWithAttempt(attempt.span, telemetry, next(carrying, ctx), ctx);
  };
}

/**
 * Has the attempt's span end when its books do: the cluster opened them as it sent the
 * attempt, and whoever sent it closes them (filter.ts, endAttempt; the retry step). An
 * attempt the cluster did not send at once (refused, or waiting for its first endpoints)
 * has no books yet: its span ends when its promise settles.
 */
function endsWithAttempt(span: CallSpan, telemetry: ProtocolTelemetry, sent: Promise<Result>, ctx: CallContext): Promise<Result> {
  const books = ctx.attemptBook;
  if (books !== undefined) {
    ctx.attemptBook = new SpanEnd(span, telemetry, ctx, books);
    return sent;
  }
  return sent.then(
    (result) => {
      endSpan(span, telemetry, ctx, result, undefined);
      return result;
    },
    (error: unknown) => {
      endSpan(span, telemetry, ctx, undefined, MeshError.from(error));
      throw error;
    },
  );
}
