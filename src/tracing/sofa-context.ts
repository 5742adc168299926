/**
 * SOFATracer's trace context (sofastack/sofa-tracer SofaTracerSpanContext, SOFARPC's
 * RpcSofaTracer). Its trace id is a string from its own generator (8 hex digits of the
 * IP, the time in ms, a counter and the pid: 30 or so characters), its span id a dotted
 * path, the "rpcId": a root call is `0`, the calls a server makes while serving `0` are
 * `0.1`, `0.2`, and a server span shares its caller's rpcId. The sidecar is no SOFATracer
 * hop: it forwards the rpcId it was given, so the provider's log shows the caller's.
 *
 * It travels either as separate fields (`sofaTraceId`, `sofaRpcId`, `sofaPenAttrs`,
 * `sysPenAttrs`, `samp`) or as one string, `tcid=<trace>&spid=<rpcId>&pspid=<parent>&
 * sample=true&` followed by the baggage pairs (system ones prefixed `_sys_`).
 */
import { createHash } from 'node:crypto';
import { fnv1a } from '../core/hash.js';

export interface SofaContext {
  readonly traceId: string;
  readonly rpcId: string;
  /** Business baggage as SOFATracer writes it, `k=v&k=v&` (values kept escaped as received). */
  readonly penAttrs?: string;
  readonly sysPenAttrs?: string;
  /** Absent: the caller said nothing, and SOFATracer then samples. */
  readonly sampled?: boolean;
  readonly parentRpcId?: string;
}

const SYS_PREFIX = '_sys_';

/** Reads the one-string form; undefined when it names no trace. */
export function parseSofaSpanContext(text: string): SofaContext | undefined {
  let traceId: string | undefined;
  let rpcId = '0';
  let parentRpcId: string | undefined;
  let sampled: boolean | undefined;
  let pen = '';
  let sys = '';
  for (const pair of text.split('&')) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1) continue;
    const key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    if (key === 'tcid') traceId = value;
    else if (key === 'spid') rpcId = value;
    else if (key === 'pspid') parentRpcId = value;
    else if (key === 'sample') sampled = value === 'true';
    else if (key.startsWith(SYS_PREFIX)) sys += `${key.slice(SYS_PREFIX.length)}=${value}&`;
    else pen += `${pair}&`;
  }
  if (!traceId) return undefined;
  return { traceId, rpcId, ...(parentRpcId ? { parentRpcId } : {}), ...(sampled === undefined ? {} : { sampled }), ...(pen ? { penAttrs: pen } : {}), ...(sys ? { sysPenAttrs: sys } : {}) };
}

/** Writes the one-string form, as SofaTracerSpanContext.serializeSpanContext does. */
export function formatSofaSpanContext(context: SofaContext): string {
  let text = `tcid=${context.traceId}&spid=${context.rpcId}&pspid=${context.parentRpcId ?? ''}&sample=${context.sampled ?? true}&`;
  if (context.sysPenAttrs) {
    for (const pair of context.sysPenAttrs.split('&')) if (pair) text += `${SYS_PREFIX}${pair}&`;
  }
  if (context.penAttrs) text += context.penAttrs.endsWith('&') ? context.penAttrs : `${context.penAttrs}&`;
  return text;
}

/**
 * The W3C trace id (32 lower-case hex digits) standing for a SOFATracer trace id: the id
 * itself left-padded with zeros when it is hex and short enough (its generator's ids are),
 * else the first 128 bits of its SHA-256. Either way the same id maps to the same trace.
 */
export function traceIdOfSofa(sofaTraceId: string): string {
  const lower = sofaTraceId.toLowerCase();
  if (isNonZeroHex32(lower)) return lower.padStart(32, '0');
  return createHash('sha256').update(sofaTraceId).digest('hex').slice(0, 32);
}

/** Whether `text` is 1 to 32 lower-case hex digits, not all zeros (one pass: a sampled call reads it). */
function isNonZeroHex32(text: string): boolean {
  if (text.length === 0 || text.length > 32) return false;
  let nonZero = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x30) continue;
    if (!((c > 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
    nonZero = true;
  }
  return nonZero;
}

/** The basis of the span id's second half: any other than FNV's own makes the two halves differ. */
const SECOND_BASIS = 0x050c5d1f;

/**
 * A span id (16 hex digits) standing for a SOFATracer caller's span, derived from its
 * trace and rpcId: the caller's span is not in the trace backend, and the same caller
 * always maps to the same parent. Two 32-bit FNV-1a hashes of different bases rather than
 * a cryptographic digest: the id needs to be stable and spread, not secret, and a sampled
 * call derives one.
 */
export function spanIdOfSofa(sofaTraceId: string, rpcId: string): string {
  const text = `${sofaTraceId}/${rpcId}`;
  const id = hex8(fnv1a(text)) + hex8(fnv1a(text, SECOND_BASIS));
  return id === '0000000000000000' ? '0000000000000001' : id;
}

/** Two hex digits per byte value: a number's toString(16) and padStart cost more than the hashes. */
const BYTE_HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

function hex8(value: number): string {
  return BYTE_HEX[value >>> 24]! + BYTE_HEX[(value >>> 16) & 0xff]! + BYTE_HEX[(value >>> 8) & 0xff]! + BYTE_HEX[value & 0xff]!;
}
