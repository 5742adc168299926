/**
 * Header fields as a flat list (name, value, name, value, ...), as the HTTP/2 frame relay
 * decodes them: a field read from the list, and the list as a header object made only
 * when something asks for one (most relayed calls never do).
 */
import type { IncomingHttpHeaders } from 'node:http2';

/** The first value of `name` in a flat list, or undefined. */
export function fieldOf(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/** Header fields (flat: name, value, ...) as a header object; repeats joined as node:http2 joins them. */
export function headerObject(flat: readonly string[]): IncomingHttpHeaders {
  const out: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i]!;
    const had = out[name];
    out[name] = had === undefined ? flat[i + 1]! : `${had}${name === 'cookie' ? '; ' : ', '}${flat[i + 1]!}`;
  }
  return out;
}

/** A new flat list: `fields` without any field named as one of `entries`, then `entries` (lower-case names, as HTTP/2 has them). */
export function replaceFields(fields: readonly string[], entries: ReadonlyArray<readonly [string, string]>): string[] {
  const out: string[] = [];
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    if (!entries.some(([replaced]) => replaced === name)) out.push(name, fields[i + 1]!);
  }
  for (const [name, value] of entries) out.push(name, value);
  return out;
}
