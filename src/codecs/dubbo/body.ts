/**
 * Reads a Dubbo request body far enough to route it, without decoding arguments:
 * the five leading strings (protocol version, service path, version, method,
 * parameter-types descriptor), then skips one value per declared parameter, then
 * reads the attachments map at the end (rpc-dubbo DubboCodec.encodeRequestData
 * writes exactly this order; DecodeableRpcInvocation.decode reads it back).
 */
import { MeshError } from '../../core/errors.js';
import { HessianScanner } from '../hessian/scan.js';
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
  /** Parameter types as Java's Class.getName() spells them: `java.lang.String`, `int`, `[J`. */
  readonly argTypes: string[];
  /** Body offsets of the raw argument bytes. */
  readonly argsStart: number;
  readonly argsEnd: number;
  /** Attachments whose values are strings or scalars (as text); others are skipped. */
  readonly attachments: Map<string, string>;
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

/** Parses a request body; throws MeshError PMESH_CODEC_ERROR on anything malformed. */
export function parseRequestBody(body: Buffer, maxDepth: number): RequestHead {
  const scanner = new HessianScanner(body, 0, body.length, maxDepth);
  const dubboVersion = readHeadString(scanner, 'protocol version');
  const path = readHeadString(scanner, 'service path');
  const version = readHeadString(scanner, 'service version');
  const method = readHeadString(scanner, 'method name');
  const descriptor = readHeadString(scanner, 'parameter types');
  const argTypes = parseDescriptor(descriptor);
  const argsStart = scanner.position;
  for (let i = 0; i < argTypes.length; i++) scanner.skip();
  const argsEnd = scanner.position;
  const attachments = new Map<string, string>();
  if (scanner.remaining === 0) {
    return { dubboVersion, path, version, method, descriptor, argTypes, argsStart, argsEnd, attachments, entriesStart: -1, mapEnd: -1, timeoutEntry: undefined };
  }
  scanner.readMapStart();
  const entriesStart = scanner.position;
  let timeoutEntry: TimeoutEntry | undefined;
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
    if (key === 'timeout') timeoutEntry = { start, end: scanner.position };
  }
  const mapEnd = scanner.position - 1;
  if (scanner.remaining !== 0) throw bad(`request body has ${scanner.remaining} bytes after the attachments`);
  return { dubboVersion, path, version, method, descriptor, argTypes, argsStart, argsEnd, attachments, entriesStart, mapEnd, timeoutEntry };
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

/** Reads the attachments map that ends a response body at `offset`; empty when there is none. */
export function readTrailingMap(scanner: HessianScanner): Map<string, string> {
  if (scanner.remaining === 0) return new Map();
  const map = scanner.readStringMap();
  if (scanner.remaining !== 0) throw bad(`response body has ${scanner.remaining} bytes after the attachments`);
  return map;
}
