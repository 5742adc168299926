/**
 * Provider and consumer URLs in the two frameworks' formats, and the decoder from a node name
 * to endpoint metadata. What real peers write (seen in tests against Dubbo 3.3.6 and SOFARPC
 * 5.13.2):
 *
 *   dubbo://127.0.0.1:20991/com.example.EchoService?application=app&deprecated=false&dubbo=2.0.2
 *     &dynamic=true&generic=false&interface=com.example.EchoService&methods=echo
 *     &prefer.serialization=hessian2&release=3.3.6&serialization=hessian2&side=provider
 *     &timestamp=1795530675611&version=1.0.0                      (parameters sorted by name)
 *   bolt://127.0.0.1:20992?version=1.0&accepts=100000&weight=100&language=java&pid=14819
 *     &interface=com.example.EchoService&timeout=0&serialization=hessian2&protocol=bolt
 *     &dynamic=true&startTime=1795530680873&uniqueId=&rpcVer=51302  (version=1.0 is the URL format)
 */
import type { Publication, ServiceQuery } from '../registry.js';
import { javaUrlDecode, type Layout } from './paths.js';

export interface ParsedUrl {
  readonly protocol: string;
  readonly host: string;
  readonly port: number | undefined;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
}

/** `proto://host[:port][/path][?k=v&...]`; IPv6 hosts in brackets. Undefined when it is not one. */
export function parseUrl(text: string): ParsedUrl | undefined {
  const match = /^([a-zA-Z][\w+.-]*):\/\/(\[[0-9a-fA-F:.]+\]|[^/:?#]*)(?::(\d{1,5}))?(\/[^?#]*)?(?:\?([^#]*))?$/.exec(text);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const pair of (match[5] ?? '').split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    if (key && !(key in params)) params[key] = eq < 0 ? '' : pair.slice(eq + 1);
  }
  const port = match[3] === undefined ? undefined : Number(match[3]);
  return {
    protocol: (match[1] ?? '').toLowerCase(),
    host: (match[2] ?? '').replace(/^\[|\]$/g, ''),
    port: port !== undefined && port >= 1 && port <= 65535 ? port : undefined,
    path: (match[4] ?? '').replace(/^\//, ''),
    params,
  };
}

/** Values must not break the query string; the checks in validate.ts keep names and ids clean. */
function value(text: string): string {
  return text.replace(/[&=#%?\s]/g, (c) => encodeURIComponent(c));
}

function query(entries: Array<[string, string | undefined]>): string {
  return entries
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([k, v]) => `${k}=${value(v)}`)
    .join('&');
}

function host(h: string): string {
  return h.includes(':') ? `[${h}]` : h;
}

/** Facts the URL builders need that do not belong to a publication. */
export interface UrlContext {
  readonly timestamp: number;
  readonly pid: number;
  readonly application: string;
}

/** The Dubbo wire level we speak and test against; Dubbo consumers read `dubbo` and `release`. */
const DUBBO_PROTOCOL_VERSION = '2.0.2';
const DUBBO_RELEASE = '3.3.6';

export function dubboProviderUrl(p: Publication, ctx: UrlContext): string {
  const serialization = p.serialization ?? 'hessian2';
  const own: Record<string, string | undefined> = {
    anyhost: 'false',
    application: p.application ?? ctx.application,
    deprecated: 'false',
    dubbo: DUBBO_PROTOCOL_VERSION,
    dynamic: 'true',
    generic: 'false',
    group: p.group || undefined,
    interface: p.service,
    methods: p.methods?.length ? [...new Set(p.methods)].join(',') : undefined,
    pid: String(ctx.pid),
    'prefer.serialization': serialization,
    release: DUBBO_RELEASE,
    serialization,
    side: 'provider',
    timestamp: String(ctx.timestamp),
    version: p.version || undefined,
    weight: p.weight === undefined ? undefined : String(p.weight),
  };
  // Extra parameters may add keys but never change what identifies the provider.
  const merged = { ...(p.parameters ?? {}), ...Object.fromEntries(Object.entries(own).filter(([, v]) => v !== undefined)) };
  const sorted = Object.keys(merged).sort().map((k): [string, string | undefined] => [k, merged[k]]);
  return `${p.protocol}://${host(p.host)}:${p.port}/${p.service}?${query(sorted)}`;
}

export function dubboConsumerUrl(q: ServiceQuery, consumerHost: string, ctx: UrlContext): string {
  const entries: Array<[string, string | undefined]> = [
    ['application', ctx.application],
    ['category', 'consumers'],
    ['check', 'false'],
    ['dubbo', DUBBO_PROTOCOL_VERSION],
    ['group', q.group],
    ['interface', q.service],
    ['pid', String(ctx.pid)],
    ['release', DUBBO_RELEASE],
    ['side', 'consumer'],
    ['timestamp', String(ctx.timestamp)],
    ['version', q.version],
  ];
  return `consumer://${host(consumerHost)}/${q.service}?${query(entries)}`;
}

/** SOFARPC 5.13's rpcVer for the URLs we write (the version of the peers we test against). */
const SOFA_RPC_VERSION = '51302';

export function sofaProviderUrl(p: Publication, ctx: UrlContext): string {
  const entries: Array<[string, string | undefined]> = [
    ['version', '1.0'],
    ['accepts', '100000'],
    ['weight', String(p.weight ?? 100)],
    ['language', 'java'],
    ['pid', String(ctx.pid)],
    ['interface', p.service],
    ['timeout', '0'],
    ['serialization', p.serialization ?? 'hessian2'],
    ['protocol', p.protocol],
    ['dynamic', 'true'],
    ['startTime', String(ctx.timestamp)],
    ['uniqueId', p.group ?? ''],
    ['appName', p.application ?? ctx.application],
    ['rpcVer', SOFA_RPC_VERSION],
    ...Object.entries(p.parameters ?? {}).filter(([k]) => !['version', 'interface', 'uniqueId', 'protocol', 'weight'].includes(k)),
  ];
  return `${p.protocol}://${host(p.host)}:${p.port}?${query(entries)}`;
}

export function sofaConsumerUrl(q: ServiceQuery, consumerHost: string, ctx: UrlContext): string {
  const entries: Array<[string, string | undefined]> = [
    ['version', '1.0'],
    ['uniqueId', q.group ?? ''],
    ['pid', String(ctx.pid)],
    ['timeout', '3000'],
    ['generic', 'false'],
    ['interface', q.service],
    ['appName', ctx.application],
    ['serialization', 'hessian2'],
    ['startTime', String(ctx.timestamp)],
    ['language', 'java'],
    ['rpcVer', SOFA_RPC_VERSION],
  ];
  return `${q.protocol ?? 'bolt'}://${host(consumerHost)}?${query(entries)}`;
}

export interface DecodedProvider {
  readonly host: string;
  readonly port: number;
  readonly weight: number;
  /** service, protocol, layout, version, group, methods, application, serialization, url + every URL parameter. */
  readonly metadata: Record<string, string>;
}

/**
 * A providers/ child (still URL-encoded) to endpoint facts, or undefined for anything that
 * is not a usable provider: `empty://`, consumer/override/route URLs, another category,
 * `enabled=false`/`disabled=true`, no port, or another interface.
 */
export function decodeProvider(layout: Layout, service: string, nodeName: string): DecodedProvider | undefined {
  const text = javaUrlDecode(nodeName);
  const url = text === undefined ? undefined : parseUrl(text);
  if (!url || url.port === undefined || !url.host) return undefined;
  if (['empty', 'consumer', 'override', 'route', 'routers', 'configurators'].includes(url.protocol)) return undefined;
  const p = url.params;
  if (p.category !== undefined && p.category !== 'providers') return undefined;
  if (p.enabled === 'false' || p.disabled === 'true') return undefined;
  const iface = p.interface ?? (layout === 'dubbo' ? url.path : service);
  if (iface !== service) return undefined;
  const metadata: Record<string, string> = {
    ...p,
    service,
    protocol: url.protocol,
    layout,
    version: layout === 'dubbo' ? (p.version ?? '') : (p.version ?? '1.0'),
    group: layout === 'dubbo' ? (p.group ?? '') : (p.uniqueId ?? ''),
    url: text ?? '',
  };
  const application = p.application ?? p.appName;
  if (application !== undefined) metadata.application = application;
  const serialization = p.serialization ?? p['prefer.serialization'];
  if (serialization !== undefined) metadata.serialization = serialization;
  const weight = Number(p.weight ?? '100');
  return { host: url.host, port: url.port, weight: Number.isInteger(weight) && weight >= 0 ? weight : 100, metadata };
}
