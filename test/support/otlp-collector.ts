/**
 * A real OTLP trace backend for the tracing tests: the OpenTelemetry Collector's own OTLP
 * receiver (test/support/otlp-collector, a short Go main built on first use with
 * `go build`, its modules from the Go module proxy, the binary cached in .cache/bin). It
 * takes OTLP/HTTP in protobuf and JSON as any collector does and appends each batch it
 * decoded to a file as OTLP JSON, with the Content-Type of the request that brought it;
 * `trace()` reads the spans of one trace from there.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from './maven.js';
import { freePort } from './ports.js';
import { startPeer, type Peer } from './process.js';

const GO_DIR = join(REPO_ROOT, 'test/support/otlp-collector');
const GO_BIN = join(REPO_ROOT, '.cache/bin/otlp-collector');

/** OTLP's span kinds, by the number the protocol gives them. */
const KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'] as const;

/** An attribute value as OTLP JSON carries it (an int64 is a decimal string). */
interface AnyValue {
  readonly stringValue?: string;
  readonly intValue?: string | number;
  readonly doubleValue?: number;
  readonly boolValue?: boolean;
}
interface KeyValue {
  readonly key: string;
  readonly value: AnyValue;
}
interface JsonSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind?: number;
  readonly attributes?: readonly KeyValue[];
  readonly status?: { readonly code?: number; readonly message?: string };
}
interface JsonTraces {
  readonly resourceSpans?: ReadonlyArray<{
    readonly resource?: { readonly attributes?: readonly KeyValue[] };
    readonly scopeSpans?: ReadonlyArray<{ readonly spans?: readonly JsonSpan[] }>;
  }>;
}

/** One line of the collector's output file. */
interface BatchLine {
  readonly contentType: string;
  readonly traces: JsonTraces;
}

/** One span as the collector received it, its attributes with their OTLP types kept (ints as numbers). */
export interface CollectedSpan {
  /** The Content-Type of the export request that carried the span: the encoding it came in. */
  readonly contentType: string;
  readonly traceId: string;
  readonly spanId: string;
  /** Absent for a root span. */
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: (typeof KINDS)[number];
  /** The resource's `service.name`. */
  readonly serviceName?: string;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  /** 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
}

export interface OtlpCollector {
  /** `http://127.0.0.1:PORT/v1/traces`, where exporters post. */
  readonly tracesUrl: string;
  readonly port: number;
  readonly peer: Peer;
  /** Every span received so far. */
  spans(): CollectedSpan[];
  /** Waits (bounded) until the trace has at least `count` spans, and returns them. */
  trace(traceId: string, count: number, timeoutMs?: number): Promise<CollectedSpan[]>;
  stop(): Promise<void>;
}

function need(command: string, install: string): void {
  try {
    execFileSync(command, ['version'], { stdio: 'ignore' });
  } catch {
    throw new Error(`${command} is required for the OTLP collector tests: ${install}`);
  }
}

let built = false;

/** Builds the collector (go build does nothing when the cached binary is up to date). */
export function buildOtlpCollector(): string {
  if (!built) {
    need('go', 'install it from go.dev or apt-get install -y golang');
    mkdirSync(join(REPO_ROOT, '.cache/bin'), { recursive: true });
    execFileSync('go', ['build', '-o', GO_BIN, '.'], { cwd: GO_DIR, stdio: ['ignore', 'ignore', 'inherit'], timeout: 900_000 });
    built = true;
  }
  return GO_BIN;
}

function valueOf(value: AnyValue): string | number | boolean {
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.doubleValue ?? value.boolValue ?? '';
}

function attributesOf(list: readonly KeyValue[] = []): Record<string, string | number | boolean> {
  return Object.fromEntries(list.map(({ key, value }) => [key, valueOf(value)]));
}

/** The spans of one batch line, each with its resource's service name. */
function spansOf({ contentType, traces }: BatchLine): CollectedSpan[] {
  return (traces.resourceSpans ?? []).flatMap(({ resource, scopeSpans }) => {
    const serviceName = attributesOf(resource?.attributes)['service.name'];
    return (scopeSpans ?? []).flatMap(({ spans }) =>
      (spans ?? []).map((span) => ({
        contentType,
        traceId: span.traceId,
        spanId: span.spanId,
        ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
        name: span.name,
        kind: KINDS[span.kind ?? 0] ?? 'UNSPECIFIED',
        ...(typeof serviceName === 'string' ? { serviceName } : {}),
        attributes: attributesOf(span.attributes),
        statusCode: span.status?.code ?? 0,
      })),
    );
  });
}

/** Starts the collector on `port` (a free one when not given) and waits until it listens. */
export async function startOtlpCollector(port?: number): Promise<OtlpCollector> {
  const bin = buildOtlpCollector();
  const listen = `127.0.0.1:${port ?? (await freePort())}`;
  const out = join(mkdtempSync(join(tmpdir(), 'pmesh-otlp-')), 'traces.jsonl');
  const peer = startPeer('otlp collector', bin, ['-listen', listen, '-out', out]);
  await peer.waitFor(/^LISTENING /m, 60_000);
  const spans = (): CollectedSpan[] => {
    if (!existsSync(out)) return [];
    // A line is written whole, but the last one may still be on its way: read complete lines only.
    const text = readFileSync(out, 'utf8');
    return text
      .slice(0, text.lastIndexOf('\n') + 1)
      .split('\n')
      .filter((line) => line.length > 0)
      .flatMap((line) => spansOf(JSON.parse(line) as BatchLine));
  };
  return {
    tracesUrl: `http://${listen}/v1/traces`,
    port: Number(listen.split(':')[1]),
    peer,
    spans,
    async trace(traceId, count, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = spans().filter((span) => span.traceId === traceId);
        if (found.length >= count || Date.now() > deadline) return found;
        await sleep(200);
      }
    },
    stop: async () => {
      await peer.stop(5_000);
    },
  };
}
