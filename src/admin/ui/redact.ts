/**
 * `tap.redact`: values of fields, map keys, attachments and headers with these names (any
 * case) are shown as `***`. Applied to the JSON the tap sends, so nothing named there ever
 * leaves the sidecar through the dashboard.
 */
export const REDACTED = '***';

export type Redactor = (value: unknown) => unknown;

export function redactor(names: readonly string[]): Redactor {
  const masked = new Set(names.map((name) => name.toLowerCase()));
  const walk = (value: unknown, depth: number): unknown => {
    if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
    if (Array.isArray(value)) {
      // A typed map's entries are [key, value] pairs: mask the value of a named key.
      if (value.length === 2 && typeof value[0] === 'string' && masked.has(value[0].toLowerCase())) return [value[0], REDACTED];
      return value.map((item) => walk(item, depth + 1));
    }
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) out[key] = masked.has(key.toLowerCase()) ? REDACTED : walk(field, depth + 1);
    return out;
  };
  return (value) => walk(value, 0);
}

/** Deeper than the Hessian reader's own nesting bound: nothing real is cut short. */
const MAX_DEPTH = 128;
