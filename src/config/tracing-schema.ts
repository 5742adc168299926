/**
 * The `tracing:` section (docs/tracing.md). Absent: tracing is off and its SDK is never
 * loaded. Present: spans for every call and attempt, exported in bounded batches.
 *
 *   tracing:
 *     sampler: 0.01                                   # share of new traces kept; a caller's decision wins
 *     otlp: { endpoint: http://127.0.0.1:4318/v1/traces }   # protocol: http/protobuf (default) or http/json
 *     zipkin: { endpoint: http://127.0.0.1:9411/api/v2/spans }
 *     propagate: [w3c]                                # written on every upstream call
 */
import { z } from 'zod';

const count = z.number().int().positive();
const endpoint = z
  .string()
  .url()
  .refine((url) => /^https?:/.test(url), 'an http:// or https:// URL');

export const tracingSchema = z
  .object({
    sampler: z.number().min(0).max(1).default(1).describe('Share of new traces sampled, 0 to 1 (parent-based: a caller\'s sampled flag is kept).'),
    serviceName: z.string().min(1).default('pmesh').describe('`service.name` of the spans this sidecar exports.'),
    otlp: z
      .object({
        endpoint: endpoint.describe('OTLP/HTTP traces URL, e.g. `http://127.0.0.1:4318/v1/traces`.'),
        protocol: z
          .enum(['http/protobuf', 'http/json'])
          .default('http/protobuf')
          .describe('Encoding of the export requests, as OTEL_EXPORTER_OTLP_PROTOCOL names it: protobuf (what collectors expect by default, and cheaper to encode) or JSON.'),
      })
      .strict()
      .optional()
      .describe('Export spans to an OpenTelemetry collector (or Jaeger) over OTLP/HTTP.'),
    zipkin: z
      .object({ endpoint: endpoint.describe('Zipkin v2 spans URL, e.g. `http://127.0.0.1:9411/api/v2/spans`.') })
      .strict()
      .optional()
      .describe('Export spans to a Zipkin v2 endpoint as well, or instead.'),
    propagate: z
      .array(z.enum(['w3c', 'b3', 'b3multi', 'sofa']))
      .default(['w3c'])
      .describe('Trace formats written on every upstream call, besides those the caller used and the upstream protocol\'s own (SOFATracer\'s on Bolt).'),
    queueSize: count.default(2048).describe('Finished spans held for export; more are dropped (a dead collector never grows the sidecar).'),
    batchSize: count.default(512).describe('Spans sent in one export request (at most `queueSize`).'),
    flushIntervalMs: count.default(5_000).describe('A batch not yet full is sent after this many ms.'),
    exportTimeoutMs: count.default(10_000).describe('One export request is given up after this many ms; one request is in flight at a time per exporter.'),
  })
  .strict()
  .refine((tracing) => tracing.batchSize <= tracing.queueSize, { message: 'batchSize must not exceed queueSize', path: ['batchSize'] });
