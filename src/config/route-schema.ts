/** A listener's route in pmesh.yaml: what a call must match, where it goes, and the policies it carries (mirror, retry, rate limit, fault). */
import { z } from 'zod';
import { percent, positiveMs } from './units.js';

const matchSchema = z
  .object({
    host: z.string().min(1).optional().describe('The request\'s host, without its port, case-insensitive; `*.example.com` matches any subdomain. Example: `echo.local`'),
    pathPrefix: z.string().startsWith('/').optional().describe('The request path starts with this. Example: `/api/`'),
    headers: z.record(z.string()).optional().describe('Every header named must be present with exactly this value. Example: `{ x-env: canary }`'),
    service: z.string().min(1).optional().describe('The called service: an interface name, or `interface:version[:group]`. Example: `com.example.EchoService:1.0.0`'),
    method: z.string().min(1).optional().describe('The called method (Bolt, Dubbo, the bridge). Example: `echo`'),
    version: z.string().min(1).optional().describe('The service version the caller asked for (Dubbo version, SOFARPC :version). Example: `1.0.0`'),
    group: z.string().min(1).optional().describe('The group the caller asked for (Dubbo group, SOFARPC uniqueId).'),
    attachments: z.record(z.string()).optional().describe('Dubbo attachments / SOFARPC request properties (or `x-pmesh-attachment-*` on the bridge) equal to these. Example: `{ env: canary }`'),
  })
  .strict();

const mirrorSchema = z
  .object({
    cluster: z.string().min(1).describe('The shadow cluster the copies go to; its answers are dropped.'),
    percent: percent.default(100).describe('Share of calls copied, 0 to 100.'),
    maxInFlight: z.number().int().positive().default(64).describe('Shadow calls in flight at most; a copy beyond is dropped and counted.'),
    compare: z.boolean().default(false).describe('Compare the shadow\'s answer with the primary\'s (Dubbo and Bolt answers, read as Java values) and count the differences per method and field.'),
    ignore: z.array(z.string().min(1)).default([]).describe('Field paths left out of the comparison. Example: `[timestamp, items[0].price]`'),
    logFirst: z.number().int().min(0).default(10).describe('How many differences are logged with both values.'),
  })
  .strict();


const retrySchema = z
  .object({
    attempts: z.number().int().min(1).max(10).default(2).describe('Tries in all, the first included.'),
    perTryTimeoutMs: positiveMs.optional().describe('Bound on each attempt, ms; the call\'s own deadline still bounds them all.'),
    on: z
      .array(z.enum(['unavailable', 'timeout', 'reset', 'overloaded']))
      .default([])
      .describe('Failures retried after the request was written, for idempotent methods only. Example: `[unavailable, reset]`'),
    budget: z
      .object({
        percent: percent.default(20).describe('Retries allowed as a share of the route\'s calls over the last 10 s.'),
        minPerSecond: z.number().min(0).default(10).describe('Retries allowed per second on top of the share.'),
      })
      .strict()
      .default({})
      .describe('Caps retries so they cannot multiply an outage (Linkerd\'s and Envoy\'s defaults).'),
  })
  .strict();

const rateLimitSchema = z
  .object({
    perSecond: z.number().positive().describe('Calls allowed per second. Example: `100`'),
    burst: z.number().int().positive().optional().describe('Calls allowed at once after a quiet spell; default `perSecond` (at least 1).'),
    perMethod: z.boolean().default(false).describe('One bucket per method of the route instead of one for the route.'),
  })
  .strict();

const faultSchema = z
  .object({
    delay: z
      .object({ ms: positiveMs.describe('How long, ms.'), percent: percent.describe('Share of calls, 0 to 100.') })
      .strict()
      .optional()
      .describe('Hold a share of calls before they go on.'),
    abort: z
      .object({
        code: z
          .enum(['unavailable', 'resource_exhausted', 'deadline_exceeded', 'internal', 'permission_denied', 'not_found', 'unknown'])
          .describe('The code the caller gets, in its protocol\'s form.'),
        percent: percent.describe('Share of calls, 0 to 100.'),
      })
      .strict()
      .optional()
      .describe('Answer a share of calls with an error instead of sending them.'),
  })
  .strict();

export const routeSchema = z
  .object({
    name: z.string().min(1).optional().describe('A name for logs and metrics; default `<index>:<cluster>`.'),
    match: matchSchema.default({}).describe('Conditions that must all hold; the first route whose match holds wins. Empty matches every call.'),
    /** Omitted: the cluster of the service `match.service` names (made if none is configured). */
    cluster: z.string().min(1).optional().describe('The cluster the call goes to; may be left out when `match.service` names a service (its cluster, made from the registry if none is configured). Example: `echo`'),
    clusters: z
      .array(
        z
          .object({ name: z.string().min(1).describe('A cluster.'), weight: z.number().int().min(0).describe('Its share of the calls.') })
          .strict(),
      )
      .min(1)
      .refine((list) => list.some((entry) => entry.weight > 0), { message: 'at least one weight must be above 0' })
      .optional()
      .describe('Instead of `cluster`: clusters sharing the calls by weight (canaries). Example: `[{ name: v1, weight: 90 }, { name: v2, weight: 10 }]`'),
    mirror: mirrorSchema.optional().describe('Copy a share of calls to a shadow cluster (dark traffic), optionally comparing its answers.'),
    /** Overall deadline for the call, covering the wait for the response head. */
    timeoutMs: positiveMs.optional().describe('Deadline of the whole call, ms; default `defaults.routeTimeoutMs`. A caller\'s own sooner deadline wins. Example: `2000`'),
    retry: retrySchema.optional().describe('Retries after the request was written (calls never written go to another endpoint anyway, 2 attempts in all).'),
    idempotent: z
      .union([z.boolean(), z.array(z.string().min(1))])
      .optional()
      .describe('Methods safe to run twice: `true` for all, or their names. Only these are retried once written. Example: `[get, list]`'),
    rateLimit: rateLimitSchema.optional().describe('A token bucket for this route (or each of its methods); refused calls get the protocol\'s flow-control error.'),
    fault: faultSchema.optional().describe('Delay or abort a share of calls, to rehearse failures.'),
  })
  .strict();
