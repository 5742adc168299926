/**
 * The Java class names decoded Hessian values name: object and typed-collection types,
 * and the "class" entry of a map (a generic call's way to say which class to build).
 * Used by the ingress class scan where the body must be decoded to be read (SOFARPC's
 * legacy dialect, which the skipping scanner in scan.ts does not know). Shared and
 * cyclic values (Hessian references) are visited once.
 */
import type { HessianValue } from './values.js';

export function forEachValueClassName(roots: readonly HessianValue[], visit: (name: string) => void): void {
  const seen = new Set<object>();
  const stack: HessianValue[] = [...roots];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null || Buffer.isBuffer(value) || value instanceof Date || seen.has(value)) continue;
    seen.add(value);
    if (Array.isArray(value)) {
      stack.push(...value);
    } else if (value instanceof Map) {
      for (const [key, entry] of value) {
        if (key === 'class' && typeof entry === 'string') visit(entry);
        stack.push(key, entry);
      }
    } else {
      visit(value.$class);
      const inner = value.$;
      if (Array.isArray(inner) || inner instanceof Map) stack.push(inner);
      else stack.push(...Object.values(inner));
    }
  }
}
