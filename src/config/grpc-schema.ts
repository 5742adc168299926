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
 */
import { z } from 'zod';

const count = z.number().int().positive();

export const grpcSchema = z
  .object({
    maxMessageBytes: count.default(4 * 1024 * 1024),
    maxConcurrentStreams: count.max(2 ** 31 - 1).default(100),
    maxHeaderListBytes: count.default(16 * 1024),
    maxPingsPer10s: count.default(100),
    maxSettingsPer10s: count.default(100),
    maxResetsPer10s: count.default(500),
    /** grpc-go servers answer pings more frequent than 5 min (their default MinTime) with GOAWAY. */
    keepaliveMs: count.default(300_000),
    keepaliveTimeoutMs: count.default(20_000),
  })
  .strict()
  .default({});

export type GrpcConfig = z.infer<typeof grpcSchema>;
