/**
 * Where two Java values differ, by field path: `$` is the value itself, else
 * `name`, `address.city`, `tags[2]`, `counts.alice` (string map keys) or
 * `counts[42]` (other keys). Used by the mirror's shadow diff to say which field of a
 * new provider's answer is not the old one's. A path in `ignore` covers everything
 * under it. At most `limit` differences are reported per pair.
 */
import type { BridgeResult, JavaValue } from '../../bridge/index.js';

export interface ValueDifference {
  readonly path: string;
  readonly primary: JavaValue | string;
  readonly shadow: JavaValue | string;
}

const DEFAULT_LIMIT = 32;

export function diffResults(primary: BridgeResult, shadow: BridgeResult, ignore: readonly string[], limit = DEFAULT_LIMIT): ValueDifference[] {
  const out: ValueDifference[] = [];
  if (primary.kind !== shadow.kind) {
    out.push({ path: '$', primary: describe(primary), shadow: describe(shadow) });
  } else if (primary.kind === 'value' && shadow.kind === 'value') {
    new Differ(ignore, limit, out).diff(primary.value, shadow.value, '$');
  } else if (describe(primary) !== describe(shadow)) {
    out.push({ path: '$', primary: describe(primary), shadow: describe(shadow) });
  }
  return out.map((difference) => ({ ...difference, path: bare(difference.path) }));
}

/** `$.address.city` -> `address.city`, `$[0]` -> `[0]`; the value itself stays `$`. */
function bare(path: string): string {
  return path === '$' ? '$' : path.startsWith('$.') ? path.slice(2) : path.slice(1);
}

function describe(result: BridgeResult): string {
  if (result.kind === 'value') return 'a value';
  if (result.kind === 'exception') return `exception ${result.className}: ${result.message}`;
  return `error ${result.error.reason}`;
}

class Differ {
  readonly #ignore: readonly string[];
  readonly #limit: number;
  readonly #out: ValueDifference[];

  constructor(ignore: readonly string[], limit: number, out: ValueDifference[]) {
    this.#ignore = ignore;
    this.#limit = limit;
    this.#out = out;
  }

  diff(a: JavaValue, b: JavaValue, path: string): void {
    if (this.#out.length >= this.#limit || this.#ignored(path)) return;
    if (a === null || b === null || a.kind !== b.kind) {
      if (a !== b) this.#out.push({ path, primary: a, shadow: b });
      return;
    }
    switch (a.kind) {
      case 'list':
      case 'set':
      case 'array': {
        const items = (b as typeof a).items;
        if (a.items.length !== items.length) {
          this.#out.push({ path, primary: a, shadow: b });
          return;
        }
        a.items.forEach((item, i) => this.diff(item, items[i]!, `${path}[${i}]`));
        return;
      }
      case 'map': {
        const other = new Map((b as typeof a).entries.map(([key, value]) => [keyText(key), value] as const));
        const seen = new Set<string>();
        for (const [key, value] of a.entries) {
          const text = keyText(key);
          seen.add(text);
          this.diff(value, other.has(text) ? other.get(text)! : null, join(path, key, text));
        }
        for (const [key, value] of (b as typeof a).entries) if (!seen.has(keyText(key))) this.diff(null, value, join(path, key, keyText(key)));
        return;
      }
      case 'object': {
        const pojo = b as typeof a;
        if (a.className !== pojo.className) {
          this.#out.push({ path, primary: a, shadow: b });
          return;
        }
        const other = new Map(pojo.fields);
        for (const [name, value] of a.fields) this.diff(value, other.has(name) ? other.get(name)! : null, child(path, name));
        for (const [name, value] of pojo.fields) if (!a.fields.some(([own]) => own === name)) this.diff(null, value, child(path, name));
        return;
      }
      case 'enum':
        if (a.name !== (b as typeof a).name || a.className !== (b as typeof a).className) this.#out.push({ path, primary: a, shadow: b });
        return;
      case 'bytes':
        if (Buffer.compare(a.value, (b as typeof a).value) !== 0) this.#out.push({ path, primary: a, shadow: b });
        return;
      default:
        if (!Object.is(a.value, (b as typeof a).value)) this.#out.push({ path, primary: a, shadow: b });
    }
  }

  #ignored(path: string): boolean {
    const field = bare(path);
    return this.#ignore.some((ignored) => field === ignored || field.startsWith(`${ignored}.`) || field.startsWith(`${ignored}[`));
  }
}

function child(path: string, name: string): string {
  return `${path}.${name}`;
}

function join(path: string, key: JavaValue, text: string): string {
  return key !== null && key.kind === 'string' && /^[A-Za-z_$][\w$]*$/.test(key.value) ? child(path, key.value) : `${path}[${text}]`;
}

function keyText(key: JavaValue): string {
  if (key === null) return 'null';
  if ('value' in key) return typeof key.value === 'object' ? Buffer.from(key.value).toString('hex') : String(key.value);
  return JSON.stringify(key, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
