/**
 * The bridge's JSON body format. A byte scanner sees each chunk as it arrives and
 * enforces the value-count and depth limits before anything is parsed, so a
 * 10-million-element array is refused at its 100,001st value, not after it was built;
 * the parse runs only on a body that passed.
 *
 * The parse is V8's JSON.parse. lossless-json, used before, blocked the event loop for
 * 2.7 s on one 8 MiB string (JSON.parse: milliseconds; measured on the 2-core dev box).
 * Integers too long for a double stay exact: the scanner notes where they are, they
 * reach JSON.parse as strings carrying a per-process mark, and a reviver turns them into
 * bigint (numbers a double holds exactly stay numbers, as lossless-json's isSafeNumber says).
 */
import { randomBytes } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { isSafeNumber } from 'lossless-json';
import { MeshError } from '../core/index.js';
import type { BodyFormat, BodyLimits, BodyReader } from './bridge-body-format.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;
const MINUS = 0x2d;

/** Digits a double always holds exactly (2^53 has 16); longer integers are checked by isSafeNumber. */
const SAFE_DIGITS = 15;

/**
 * Unguessable, so no string a caller sends can pass for a marked integer. Made by the first
 * body with a long integer, not at start: node:crypto is dozens of internal modules.
 */
let mark: { readonly text: string; readonly open: Buffer } | undefined;
const MARK_CLOSE = Buffer.from('"');

function integerMark(): { readonly text: string; readonly open: Buffer } {
  if (mark) return mark;
  const text = `\u0000pmesh-integer-${randomBytes(8).toString('hex')}:`;
  return (mark = { text, open: Buffer.from(`"\\u0000${text.slice(1)}`) });
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Inside a number token: digits, sign, point, exponent. */
function isNumberByte(c: number): boolean {
  return isDigit(c) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === MINUS;
}

/** How many backslashes come right before `end`, looking no further back than `from`. */
function backslashesBefore(chunk: Buffer, from: number, end: number): number {
  let at = end;
  while (at > from && chunk[at - 1] === BACKSLASH) at--;
  return end - at;
}

class JsonReader implements BodyReader {
  readonly #limits: BodyLimits;
  #offset = 0;
  #started = false;
  #depth = 0;
  #values = 0;
  #inString = false;
  #escaped = false;
  /** Start offset of the number token being read, or -1. */
  #numberStart = -1;
  #numberIsInteger = true;
  /** [start, end) byte offsets of integer tokens longer than SAFE_DIGITS. */
  readonly #longIntegers: Array<readonly [number, number]> = [];

  constructor(limits: BodyLimits) {
    this.#limits = limits;
  }

  push(chunk: Buffer): void {
    // Locals in the loop: a field access per byte costs about twice as much.
    let inString = this.#inString;
    let escaped = this.#escaped;
    let depth = this.#depth;
    let values = this.#values;
    const maxDepth = this.#limits.maxDepth + 1; // the argument array itself is not nesting
    const maxValues = this.#limits.maxValues;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i] as number;
      if (inString) {
        if (escaped) {
          escaped = false;
          continue;
        }
        // A string's bytes are skipped natively to its closing quote (a quote after an odd
        // run of backslashes is escaped): unit by unit, a 1 KiB string was most of the scan.
        let quote = chunk.indexOf(QUOTE, i);
        while (quote !== -1 && backslashesBefore(chunk, i, quote) % 2 === 1) quote = chunk.indexOf(QUOTE, quote + 1);
        if (quote === -1) {
          escaped = backslashesBefore(chunk, i, chunk.length) % 2 === 1;
          break;
        }
        inString = false;
        i = quote;
        continue;
      }
      if (this.#numberStart >= 0) {
        if (isNumberByte(c)) {
          if (!isDigit(c) && c !== MINUS) this.#numberIsInteger = false;
          continue;
        }
        this.#endNumber(this.#offset + i);
      }
      if (isWhitespace(c)) continue;
      if (!this.#started) {
        if (c !== OPEN_ARRAY) throw new MeshError('PMESH_BAD_REQUEST', 'expected a JSON array of the arguments');
        this.#started = true;
      }
      if (c === QUOTE) inString = true;
      else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
        if (++depth > maxDepth) throw this.#exceeded('bridge_max_json_depth', `the arguments nest deeper than ${this.#limits.maxDepth} (bridge.maxJsonDepth)`);
        values++;
      } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--;
      else if (c === COMMA) values++;
      else if (isDigit(c) || c === MINUS) {
        this.#numberStart = this.#offset + i;
        this.#numberIsInteger = true;
      }
      if (values > maxValues) throw this.#exceeded('bridge_max_json_values', `the arguments hold more than ${maxValues} JSON values (bridge.maxJsonValues)`, 'PMESH_BODY_TOO_LARGE');
    }
    this.#inString = inString;
    this.#escaped = escaped;
    this.#depth = depth;
    this.#values = values;
    this.#offset += chunk.length;
  }

  finish(body: Buffer): unknown[] {
    if (this.#numberStart >= 0) this.#endNumber(this.#offset);
    if (!this.#started) throw new MeshError('PMESH_BAD_REQUEST', 'the body is empty: expected a JSON array of the arguments ([] for none)');
    if (!isUtf8(body)) throw new MeshError('PMESH_BAD_REQUEST', 'the body is not valid UTF-8');
    let json: unknown;
    try {
      json = this.#longIntegers.length === 0 ? JSON.parse(body.toString('utf8')) : JSON.parse(this.#marked(body), revive);
    } catch (error) {
      throw new MeshError('PMESH_BAD_REQUEST', `the body is not JSON: ${(error as Error).message}`);
    }
    if (!Array.isArray(json)) throw new MeshError('PMESH_BAD_REQUEST', 'expected a JSON array of the arguments');
    return json;
  }

  #endNumber(end: number): void {
    const start = this.#numberStart;
    this.#numberStart = -1;
    if (this.#numberIsInteger && end - start > SAFE_DIGITS) this.#longIntegers.push([start, end]);
  }

  /** The body with each long integer token quoted behind the mark. */
  #marked(body: Buffer): string {
    const parts: Buffer[] = [];
    const { open } = integerMark();
    let from = 0;
    for (const [start, end] of this.#longIntegers) {
      parts.push(body.subarray(from, start), open, body.subarray(start, end), MARK_CLOSE);
      from = end;
    }
    parts.push(body.subarray(from));
    return Buffer.concat(parts).toString('utf8');
  }

  #exceeded(limit: string, message: string, reason: 'PMESH_BAD_REQUEST' | 'PMESH_BODY_TOO_LARGE' = 'PMESH_BAD_REQUEST'): MeshError {
    return new MeshError(reason, message, { details: { limit } });
  }
}

function revive(_key: string, value: unknown): unknown {
  // No mark yet: no body has had a long integer marked.
  if (typeof value !== 'string' || mark === undefined || !value.startsWith(mark.text)) return value;
  const digits = value.slice(mark.text.length);
  return isSafeNumber(digits) ? Number(digits) : BigInt(digits);
}

export const JSON_BODY: BodyFormat = {
  name: 'json',
  newReader: (limits) => new JsonReader(limits),
};
