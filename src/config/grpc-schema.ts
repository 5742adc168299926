/**
 * The `grpc:` section: limits of gRPC listeners and upstreams (docs/grpc.md). Each one
 * that is hit is counted as pmesh_limit_exceeded_total{limit=...}, named below.
 *
 *   grpc:
 *     maxMessageBytes: 4194304      # grpc_max_message_bytes: one message, either way (grpc-go's default)
 *     maxConcurrentStreams: 100     # http2_max_concurrent_streams: per caller connection
 *     maxHeaderListBytes: 16384     # http2_max_header_list_bytes: a request head (RFC 7541 sizes)
 *     maxPingsPer10s: 100           # http2_ping_flood
 *     maxSettingsPer10s: 100        # http2_settings_flood
 *     maxResetsPer10s: 500          # http2_rapid_reset: streams the caller reset before they ended
 *     keepaliveMs: 300000           # PING upstream sessions with open streams this often
 *     keepaliveTimeoutMs: 20000     # ... and close one that does not answer in this time
 *     upstreamRetryBufferBytes: 65536  # request bytes kept to send a refused stream again
 */
import { z } from 'zod';

const count = z.number().int().positive();

export const grpcSchema = z
  .object({
    maxMessageBytes: count.default(4 * 1024 * 1024).describe('Largest gRPC message either way, checked from its 5-byte prefix as it passes (grpc-go\'s default).'),
    maxConcurrentStreams: count.max(2 ** 31 - 1).default(100).describe('Concurrent streams per caller connection (HTTP/2 SETTINGS).'),
    maxHeaderListBytes: count.default(16 * 1024).describe('Largest request head, bytes as RFC 7541 counts them.'),
    maxPingsPer10s: count.default(100).describe('PING frames per 10 s on a connection with no open stream before GOAWAY (flood protection).'),
    maxSettingsPer10s: count.default(100).describe('SETTINGS frames per 10 s before GOAWAY (flood protection).'),
    maxResetsPer10s: count.default(500).describe('Streams a caller resets per 10 s before GOAWAY (rapid reset protection).'),
    /** grpc-go servers answer pings more frequent than 5 min (their default MinTime) with GOAWAY. */
    keepaliveMs: count.default(300_000).describe('Upstream sessions with open streams are PINGed this often, ms.'),
    keepaliveTimeoutMs: count.default(20_000).describe('An upstream session that does not answer a PING in this many ms is closed.'),
    /** Linkerd retries no body over 64 KiB either; a server refuses a stream at once, so little has been sent by then. */
    upstreamRetryBufferBytes: count
      .default(64 * 1024)
      .describe(
        'Request bytes a call keeps until the upstream answers, so that a stream the server refused unprocessed (RST_STREAM REFUSED_STREAM, or above a GOAWAY\'s last stream id) is sent again once, transparently (counted as `pmesh_traffic_events_total{event="transparent_retry"}`). A call that sent more is answered UNAVAILABLE instead.',
      ),
  })
  .strict()
  .default({})
  .describe('Limits of gRPC listeners and upstreams (docs/grpc.md).');

export type GrpcConfig = z.infer<typeof grpcSchema>;
