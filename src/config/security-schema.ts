/**
 * Config for issue 13: the sidecar's workload identity (`identity`), mTLS on listeners
 * (`listeners[].tls`) and to upstream sidecars (`clusters[].mtls`), and ingress
 * authorization (`listeners[].authorization`). docs/security.md explains them together.
 */
import { z } from 'zod';
import { positiveMs } from './units.js';

export const identitySchema = z
  .object({
    app: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,128}$/, 'letters, digits, dots, dashes and underscores')
      .optional()
      .describe('The app behind this sidecar: its SPIFFE id is `spiffe://<trust-domain>/app/<app>`. Needed with `caDir` (the name the sidecar issues its certificate for). Example: `orders`'),
    certFile: z.string().min(1).describe('The workload certificate (PEM), watched: a replaced file is used for new connections without dropping open ones. Example: `certs/orders.crt`'),
    keyFile: z.string().min(1).describe('Its private key (PEM, PKCS#8), watched like the certificate.'),
    caFile: z.string().min(1).optional().describe('The trust bundle peers\' certificates must chain to (PEM); default `<caDir>/ca.crt`.'),
    caDir: z
      .string()
      .min(1)
      .optional()
      .describe('A CA made by `pmesh ca init`: the sidecar issues its own certificate into `certFile`/`keyFile` when missing, and renews it before it expires.'),
    certTtlMs: positiveMs.default(24 * 3600_000).describe('With `caDir`: lifetime of the certificates the sidecar issues itself, ms (24 h).'),
    renewBeforeMs: positiveMs
      .default(8 * 3600_000)
      .describe('With `caDir`: a certificate with less than this left is renewed, ms (8 h; keep it under `certTtlMs`).'),
    watchIntervalMs: positiveMs.default(1_000).describe('How often the certificate, key and bundle files are checked for changes (and renewal is considered), ms.'),
  })
  .strict()
  .refine((identity) => identity.caFile !== undefined || identity.caDir !== undefined, { message: 'give caFile (the trust bundle) or caDir' })
  .refine((identity) => identity.caDir === undefined || identity.app !== undefined, { message: 'caDir needs app: the name the certificate is issued for' })
  .refine((identity) => identity.renewBeforeMs < identity.certTtlMs, { message: 'renewBeforeMs must be less than certTtlMs' });

export const listenerTlsSchema = z
  .object({
    mode: z
      .enum(['strict', 'permissive', 'off'])
      .default('off')
      .describe(
        'Without `certFile`, mTLS from other sidecars with the workload identity (needs `identity`): `strict` mTLS only (plaintext connections are closed), `permissive` mTLS or plaintext on the same port, each counted (for migration), `off` plaintext. With `certFile`, TLS to apps: `strict` TLS only, `permissive` TLS or plaintext.',
      ),
    handshakeTimeoutMs: positiveMs.default(10_000).describe('A TLS handshake not done within this many ms closes the connection.'),
    certFile: z
      .string()
      .min(1)
      .optional()
      .describe('Serve TLS to apps with this certificate (PEM, chain after the leaf) instead of mTLS between sidecars; watched: a replaced file is used for new connections without dropping open ones. Not on an `ingress`. Example: `certs/orders-api.crt`'),
    keyFile: z.string().min(1).optional().describe('With `certFile`: its private key (PEM), watched like the certificate.'),
    caFile: z
      .string()
      .min(1)
      .optional()
      .describe('With `certFile`: apps must present a client certificate chained to this CA bundle (PEM); absent, no client certificate is asked for.'),
  })
  .strict()
  .refine((tls) => (tls.certFile === undefined) === (tls.keyFile === undefined), { message: 'give certFile and keyFile together' })
  .refine((tls) => tls.caFile === undefined || tls.certFile !== undefined, { message: 'caFile (client certificates) needs certFile and keyFile: the certificate this listener serves' })
  .refine((tls) => tls.certFile === undefined || tls.mode !== 'off', { message: 'certFile needs mode strict (TLS only) or permissive (TLS or plaintext)' });

/** A wildcard pattern: `*` matches any run of characters. */
const pattern = z.string().min(1);

const policySchema = z
  .object({
    service: pattern.describe('The service the policy is about (interface name, `*` wildcards). Example: `com.example.OrderService`'),
    version: pattern.optional().describe('Only calls asking for this version (wildcards). Example: `1.*`'),
    methods: z.array(pattern).min(1).optional().describe('Only these methods (wildcards); absent: every method. Example: `[get, list*]`'),
    from: z
      .array(pattern)
      .min(1)
      .optional()
      .describe('Callers it is about: SPIFFE ids (`spiffe://example.org/app/web`) or app names (`web`), with wildcards; `unauthenticated` for a plaintext caller. Absent: every caller.'),
    action: z.enum(['allow', 'deny']).describe('What a call matching the policy gets.'),
  })
  .strict();

export const authorizationSchema = z
  .array(policySchema)
  .describe(
    'Ingress authorization. A call to a service no policy names is allowed; once a policy names the service, the call must match an `allow` policy and no `deny` one. Refused calls get the protocol\'s permission error (gRPC PERMISSION_DENIED, Dubbo BAD_REQUEST with the reason, Bolt SERVER_EXCEPTION, HTTP 403).',
  );

/** TLS for one of the sidecar's own HTTP APIs; `api` names it in the description. */
const apiTlsSchema = (api: string) =>
  z
    .object({
      certFile: z.string().min(1).describe(`The ${api}'s certificate (PEM). Example: \`certs/api.crt\``),
      keyFile: z.string().min(1).describe('Its private key (PEM).'),
    })
    .strict()
    .optional()
    .describe(`Serve the ${api} over HTTPS. Required (with \`tokenFile\`) when it is bound beyond loopback.`);

/** The bearer token file of one of the sidecar's own APIs. */
const apiTokenFileSchema = (api: string, requiredWith: string, note = '') =>
  z
    .string()
    .min(1)
    .optional()
    .describe(`A file holding the bearer token every ${api} request must carry (\`authorization: Bearer <token>\`; others get 401). Required (with ${requiredWith}) when it is bound beyond loopback.${note}`);

export const adminTlsSchema = apiTlsSchema('admin API');
export const adminTokenFileSchema = apiTokenFileSchema('admin API', '`tls`');
export const sofaMeshApiTlsSchema = apiTlsSchema('mesh registry API');
export const sofaMeshApiTokenFileSchema = apiTokenFileSchema('mesh registry API', '`tls`', ' SOFARPC\'s own client sends no token: unmodified apps reach it on loopback.');

/** The app API a listener serves beside its calls (HTTP `/v1/services`, gRPC `pmesh.v1.*`). */
export const listenerAppApiSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe('Serve the app API on this listener: HTTP `/v1/services` (http1), gRPC `pmesh.v1.Registry` and `pmesh.v1.Invoker` (grpc, triple); `false` leaves those paths and services to routing, as any other call.'),
    tokenFile: apiTokenFileSchema('app API', 'a `tls.mode` of `strict` or `permissive`: plaintext requests are then refused'),
  })
  .strict()
  .default({})
  .describe('The app API (publish, unpublish, look up; the gRPC Invoke entry) on this listener. Beyond loopback it needs `tokenFile` and TLS under the listener, or `enabled: false` (docs/security.md).');

export const clusterMtlsSchema = z
  .enum(['auto', 'on', 'off'])
  .default('auto')
  .describe('mTLS to the endpoints (needs `identity`): `auto` for endpoints the registry marks as a sidecar ingress taking mTLS, `on` for every endpoint (static endpoints that are sidecars), `off` never.');

export const clusterTlsSchema = z
  .object({
    caFile: z.string().min(1).describe('The CA bundle (PEM) the provider\'s certificate must chain to; watched. Example: `certs/provider-ca.crt`'),
    serverName: z
      .string()
      .min(1)
      .optional()
      .describe('The name the provider\'s certificate must carry (and SNI); default the endpoint\'s host, a DNS name or an IP address SAN. Example: `orders.internal`'),
    certFile: z.string().min(1).optional().describe('A client certificate (PEM) for a provider that asks for one; watched.'),
    keyFile: z.string().min(1).optional().describe('Its private key (PEM).'),
  })
  .strict()
  .refine((tls) => (tls.certFile === undefined) === (tls.keyFile === undefined), { message: 'give certFile and keyFile together' })
  .optional()
  .describe(
    'TLS to providers that serve it themselves (Dubbo\'s `SslConfig`, a gRPC or HTTPS server), verified against `caFile`. Endpoints that are sidecars taking mTLS still get mTLS under `mtls: auto`; not with `mtls: on`.',
  );
