/**
 * Hessian values written with no writer and none of its tables: what most of a call's
 * arguments are (strings and numbers), so the bridge skips JavaHessianWriter for them.
 */
import type { JavaValue } from '../../bridge/values.js';
import type { ByteSink } from './byte-sink.js';

/**
 * Writes a value that fills none of a stream's tables (no class definition, reference or
 * type; no binary, whose chunks depend on the stream's offset): null, boolean, the
 * integers, char and string. Returns false, having written nothing, for any other.
 * JavaHessianWriter writes these kinds with it too, so both give the same bytes.
 */
export function writeTableFree(out: ByteSink, value: JavaValue, legacy: boolean): boolean {
  if (value === null) {
    out.byte(0x4e);
    return true;
  }
  switch (value.kind) {
    case 'boolean': out.byte(value.value ? 0x54 : 0x46); return true;
    case 'byte': case 'short': case 'int': out.hessianInt(value.value); return true;
    case 'long': out.hessianLong(value.value, legacy); return true;
    case 'char': case 'string': out.hessianString(value.value, legacy); return true;
    default: return false;
  }
}

/**
 * Writes all of `values` when every one is table-free (writeTableFree), with no writer and
 * none of its tables (a call's arguments are mostly strings and numbers); false, having
 * written nothing, when one is not: a JavaHessianWriter writes them then.
 */
export function writeTableFreeValues(out: ByteSink, values: readonly JavaValue[], legacy: boolean): boolean {
  for (const value of values) if (!isTableFree(value)) return false;
  for (const value of values) writeTableFree(out, value, legacy);
  return true;
}

/** The kinds writeTableFree writes (null too). */
const TABLE_FREE_KINDS = new Set(['boolean', 'byte', 'short', 'int', 'long', 'char', 'string']);

function isTableFree(value: JavaValue): boolean {
  return value === null || TABLE_FREE_KINDS.has(value.kind);
}

/** Bytes a call's arguments likely take (a string's units, as if ASCII, and a few for the rest): a buffer that rarely grows. */
export function argumentBytesGuess(values: readonly JavaValue[]): number {
  let bytes = 0;
  for (const value of values) bytes += value !== null && (value.kind === 'string' || value.kind === 'decimal') ? value.value.length + 8 : 64;
  return bytes;
}
