/**
 * Reads a Dubbo request body far enough to route it, without decoding arguments:
 * the five leading strings (protocol version, service path, version, method,
 * parameter-types descriptor), then skips one value per declared parameter, then
 * reads the attachments map at the end (rpc-dubbo DubboCodec.encodeRequestData
 * writes exactly this order; DecodeableRpcInvocation.decode reads it back).
 */
import { MeshError } from '../../core/errors.js';
import { HessianScanner } from '../hessian/scan.js';
import { BytesMemo } from './bytes-memo.js';
import type { DubboFrame } from './layout.js';

/** Where the `timeout` attachment sits, so it can be replaced without touching the rest. */
export interface TimeoutEntry {
  /** Offset of the key in the body. */
  readonly start: number;
  /** Offset just past its value. */
  readonly end: number;
}

export interface RequestHead {
  readonly dubboVersion: string;
  readonly path: string;
  readonly version: string;
  readonly method: string;
  readonly descriptor: string;
  /** Parameter types as Java's Class.getName() spells them: `java.lang.String`, `int`, `[J`. Shared by calls with the same head: never modified. */
  readonly argTypes: readonly string[];
  /** Body offsets of the raw argument bytes. */
  readonly argsStart: number;
  readonly argsEnd: number;
  /** Attachments whose values are strings or scalars (as text); others are skipped. Shared by calls with the same map: never modified. */
  readonly attachments: ReadonlyMap<string, string>;
  /** Offset of the map's first entry (just past `H`), or -1 when the body has no map. */
  readonly entriesStart: number;
  /** Offset of the closing `Z`, or -1. */
  readonly mapEnd: number;
  readonly timeoutEntry: TimeoutEntry | undefined;
}

const PRIMITIVES: Readonly<Record<string, string>> = {
  V: 'void', Z: 'boolean', B: 'byte', C: 'char', D: 'double', F: 'float', I: 'int', J: 'long', S: 'short',
};

const bad = (message: string): MeshError => new MeshError('PMESH_CODEC_ERROR', `dubbo: ${message}`);

/** Splits a JVM parameter descriptor (ReflectUtils.getDesc) into Class.getName() names. */
export function parseDescriptor(descriptor: string): string[] {
  const types: string[] = [];
  let i = 0;
  while (i < descriptor.length) {
    const start = i;
    while (descriptor[i] === '[') i++;
    const dims = i - start;
    const c = descriptor[i];
    if (c === 'L') {
      const semi = descriptor.indexOf(';', i);
      if (semi === -1) throw bad(`bad parameter descriptor ${JSON.stringify(descriptor)}`);
      const name = descriptor.slice(i + 1, semi).replaceAll('/', '.');
      types.push(dims === 0 ? name : `${'['.repeat(dims)}L${name};`);
      i = semi + 1;
    } else if (c !== undefined && c in PRIMITIVES && (c !== 'V' || dims === 0)) {
      types.push(dims === 0 ? (PRIMITIVES[c] as string) : descriptor.slice(start, i + 1));
      i++;
    } else {
      throw bad(`bad parameter descriptor ${JSON.stringify(descriptor)}`);
    }
  }
  return types;
}

function readHeadString(scanner: HessianScanner, what: string): string {
  if (!scanner.isString()) throw bad(`request body: expected the ${what} string at offset ${scanner.position}`);
  return scanner.readString();
}

/** The five head strings and the parameter types, and where the arguments start. */
type Lead = Pick<RequestHead, 'dubboVersion' | 'path' | 'version' | 'method' | 'descriptor' | 'argTypes' | 'argsStart'>;

/** What the attachments map says, as offsets from the arguments' end (where the map starts). */
interface Trailer {
  readonly maxDepth: number;
  readonly attachments: ReadonlyMap<string, string>;
  readonly entriesStart: number;
  readonly mapEnd: number;
  readonly timeoutStart: number;
  readonly timeoutEnd: number;
}

/** A method's head is the same bytes on every call to it; a caller's attachments usually are too (bytes-memo.ts). */
const MEMO_ENTRIES = 512;
const MEMO_KEY_BYTES = 512;
const leads = new BytesMemo<Lead>(MEMO_ENTRIES, MEMO_KEY_BYTES);
const trailers = new BytesMemo<Trailer>(MEMO_ENTRIES, MEMO_KEY_BYTES);

const HEAD_STRINGS = 5;

/**
 * Where the five head strings end if each is one short or medium string of one byte per
 * char (what Java writes for ASCII names), else -1: the memo key's end. Nothing is checked
 * here; a key only finds what a full read of the same bytes gave.
 */
function leadEnd(body: Buffer): number {
  let pos = 0;
  for (let i = 0; i < HEAD_STRINGS; i++) {
    const b = body[pos];
    if (b === undefined) return -1;
    if (b <= 0x1f) pos += 1 + b;
    else if (b >= 0x30 && b <= 0x33 && pos + 1 < body.length) pos += 2 + ((b - 0x30) << 8) + (body[pos + 1] as number);
    else return -1;
  }
  return pos <= body.length ? pos : -1;
}

function readLead(body: Buffer): Lead {
  const scanner = new HessianScanner(body);
  const dubboVersion = readHeadString(scanner, 'protocol version');
  const path = readHeadString(scanner, 'service path');
  const version = readHeadString(scanner, 'service version');
  const method = readHeadString(scanner, 'method name');
  const descriptor = readHeadString(scanner, 'parameter types');
  const argTypes = Object.freeze(parseDescriptor(descriptor));
  return { dubboVersion, path, version, method, descriptor, argTypes, argsStart: scanner.position };
}

function leadOf(body: Buffer): Lead {
  const end = leadEnd(body);
  const known = end === -1 ? undefined : leads.find(body, 0, end, '');
  if (known !== undefined) return known;
  const lead = readLead(body);
  if (end !== -1 && lead.argsStart === end) leads.keep(body, 0, end, '', lead);
  return lead;
}

/** Reads the attachments map from the scanner's position (the arguments' end) to the body's end. */
function readTrailer(scanner: HessianScanner, maxDepth: number): Trailer {
  const base = scanner.position;
  const attachments = new Map<string, string>();
  if (scanner.remaining === 0) return { maxDepth, attachments, entriesStart: -1, mapEnd: -1, timeoutStart: -1, timeoutEnd: -1 };
  scanner.readMapStart();
  const entriesStart = scanner.position - base;
  let timeoutStart = -1;
  let timeoutEnd = -1;
  for (;;) {
    const start = scanner.position;
    if (scanner.readEnd()) break;
    if (!scanner.isString()) {
      scanner.skip();
      scanner.skip();
      continue;
    }
    const key = scanner.readString();
    const value = scanner.readScalarText();
    if (value === undefined) continue;
    attachments.set(key, value);
    if (key === 'timeout') {
      timeoutStart = start - base;
      timeoutEnd = scanner.position - base;
    }
  }
  const mapEnd = scanner.position - 1 - base;
  if (scanner.remaining !== 0) throw bad(`request body has ${scanner.remaining} bytes after the attachments`);
  return { maxDepth, attachments, entriesStart, mapEnd, timeoutStart, timeoutEnd };
}

/**
 * The map's reading, kept by its bytes and by what the arguments left in the stream (class
 * definitions and values a reference may name): with both the same, a read gives the same.
 */
function trailerOf(body: Buffer, scanner: HessianScanner, maxDepth: number): Trailer {
  const start = scanner.position;
  const state = scanner.stateKey();
  const known = trailers.find(body, start, body.length, state);
  if (known !== undefined && known.maxDepth === maxDepth) return known;
  const trailer = readTrailer(scanner, maxDepth);
  trailers.keep(body, start, body.length, state, trailer);
  return trailer;
}

/** Parses a request body; throws MeshError PMESH_CODEC_ERROR on anything malformed. */
export function parseRequestBody(body: Buffer, maxDepth: number): RequestHead {
  const lead = leadOf(body);
  const scanner = new HessianScanner(body, lead.argsStart, body.length, maxDepth);
  for (let i = 0; i < lead.argTypes.length; i++) scanner.skip();
  const argsEnd = scanner.position;
  const trailer = trailerOf(body, scanner, maxDepth);
  return {
    dubboVersion: lead.dubboVersion,
    path: lead.path,
    version: lead.version,
    method: lead.method,
    descriptor: lead.descriptor,
    argTypes: lead.argTypes,
    argsStart: lead.argsStart,
    argsEnd,
    attachments: trailer.attachments,
    entriesStart: trailer.entriesStart === -1 ? -1 : argsEnd + trailer.entriesStart,
    mapEnd: trailer.mapEnd === -1 ? -1 : argsEnd + trailer.mapEnd,
    timeoutEntry: trailer.timeoutStart === -1 ? undefined : { start: argsEnd + trailer.timeoutStart, end: argsEnd + trailer.timeoutEnd },
  };
}

/** A frame that carries its parsed head, for the next reader. */
interface FrameWithHead extends DubboFrame {
  requestHead?: { readonly maxDepth: number; readonly head: RequestHead };
}

/**
 * A request frame's head, parsed once per frame and kept on it: routing reads it, then the
 * deadline rewrite, and skipping the arguments to reach the attachments is most of the parse.
 */
export function requestHeadOf(frame: DubboFrame, maxDepth: number): RequestHead {
  const known = (frame as FrameWithHead).requestHead;
  if (known !== undefined && (known.maxDepth === maxDepth || known.maxDepth === BUILT)) return known.head;
  const head = parseRequestBody(frame.body, maxDepth);
  (frame as FrameWithHead).requestHead = { maxDepth, head };
  return head;
}

/** The depth mark of a head the sidecar wrote itself: no reader's depth limit applies to it. */
const BUILT = Number.POSITIVE_INFINITY;

/** Keeps the head of a request the sidecar built (the bridge), so no reader parses its body again. */
export function rememberBuiltHead(frame: DubboFrame, head: RequestHead): void {
  (frame as FrameWithHead).requestHead = { maxDepth: BUILT, head };
}

/** A reply's attachments map ({dubbo: version} from a Java provider) by its bytes, as a request's (trailerOf). */
const replyMaps = new BytesMemo<{ readonly maxDepth: number; readonly map: ReadonlyMap<string, string> }>(MEMO_ENTRIES, MEMO_KEY_BYTES);

/** Reads the attachments map that ends a response body (`body`) at the scanner's position; empty when there is none. */
export function readTrailingMap(scanner: HessianScanner, body: Buffer, maxDepth: number): ReadonlyMap<string, string> {
  if (scanner.remaining === 0) return new Map();
  const start = scanner.position;
  const state = scanner.stateKey();
  const known = replyMaps.find(body, start, body.length, state);
  if (known !== undefined && known.maxDepth === maxDepth) return known.map;
  const map = scanner.readStringMap();
  if (scanner.remaining !== 0) throw bad(`response body has ${scanner.remaining} bytes after the attachments`);
  replyMaps.keep(body, start, body.length, state, { maxDepth, map });
  return map;
}
