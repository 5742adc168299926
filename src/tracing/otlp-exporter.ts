/**
 * The OTLP/HTTP span exporter used when the sidecar can post to the collector itself (an
 * http:// endpoint, on the upstream's HTTP/1 client): the SDK's serializer makes the body
 * (protobuf or JSON, as its own exporters make it) and `CollectorPost` sends it. A batch
 * the collector refuses or cannot be sent is dropped and counted (OneInFlightExporter),
 * not sent again: the next batch comes within `flushIntervalMs`, and a retry would only
 * hold spans longer while the collector is down (docs/tracing.md).
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { JsonTraceSerializer, ProtobufTraceSerializer, type IExportTraceServiceResponse, type ISerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/** Sends a body to the collector: the reply's HTTP status, or why there is none within `timeoutMs`. */
export interface CollectorPost {
  post(body: Uint8Array, timeoutMs: number): Promise<number>;
  /** Closes its connection once no post is on it. */
  close(): void;
}

/** Makes the post for a collector URL and a Content-Type, or says (undefined) it cannot post there. */
export type CollectorPostFactory = (url: string, contentType: string) => CollectorPost | undefined;

export type OtlpEncoding = 'http/protobuf' | 'http/json';

type SpanSerializer = ISerializer<ReadableSpan[], IExportTraceServiceResponse>;

/** Each encoding's Content-Type and the SDK's serializer that writes it. */
export const ENCODINGS = {
  'http/protobuf': { contentType: 'application/x-protobuf', serializer: ProtobufTraceSerializer },
  'http/json': { contentType: 'application/json', serializer: JsonTraceSerializer },
} as const satisfies Record<OtlpEncoding, { readonly contentType: string; readonly serializer: SpanSerializer }>;

export class OtlpPostExporter implements SpanExporter {
  readonly #post: CollectorPost;
  readonly #serializer: SpanSerializer;
  readonly #timeoutMs: number;

  constructor(post: CollectorPost, encoding: OtlpEncoding, timeoutMs: number) {
    this.#post = post;
    this.#serializer = ENCODINGS[encoding].serializer;
    this.#timeoutMs = timeoutMs;
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    let body: Uint8Array | undefined;
    try {
      body = this.#serializer.serializeRequest(spans);
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
      return;
    }
    if (!body) {
      done({ code: ExportResultCode.FAILED, error: new Error('the spans could not be encoded') });
      return;
    }
    this.#post.post(body, this.#timeoutMs).then(
      (status) => done(status >= 200 && status < 300 ? { code: ExportResultCode.SUCCESS } : { code: ExportResultCode.FAILED, error: new Error(`the collector answered HTTP ${status}`) }),
      (error: Error) => done({ code: ExportResultCode.FAILED, error }),
    );
  }

  async shutdown(): Promise<void> {
    this.#post.close();
  }

  async forceFlush(): Promise<void> {}
}
