/**
 * Small pure helpers of the Java-compatible Hessian writer: Java's numeric casts, the
 * double Java writes for a float, and Hessian's array type names.
 */

/** Hessian array type names Java uses for these components (BasicSerializer, ArraySerializer.getArrayType). */
const ARRAY_COMPONENT_NAMES: Readonly<Record<string, string>> = {
  'java.lang.String': 'string', 'java.lang.Object': 'object', 'java.util.Date': 'date',
};
const PRIMITIVE_LETTERS: Readonly<Record<string, string>> = {
  Z: 'boolean', B: 'byte', S: 'short', C: 'char', I: 'int', J: 'long', F: 'float', D: 'double',
};
/** Hessian's name for an array component: `int`, `string`, `object`, `date`, `[int`, or the class name. */
export function hessianComponent(component: string): string {
  if (component.startsWith('[')) {
    const inner = component.slice(1);
    if (inner.startsWith('L') && inner.endsWith(';')) return `[${ARRAY_COMPONENT_NAMES[inner.slice(1, -1)] ?? inner.slice(1, -1)}`;
    if (inner.length === 1) return `[${PRIMITIVE_LETTERS[inner] ?? inner}`;
    return `[${hessianComponent(inner)}`;
  }
  return ARRAY_COMPONENT_NAMES[component] ?? component;
}

/** Java's `(int) v`: truncation toward zero, NaN to 0, saturation at the int range. */
export function javaIntCast(v: number): number {
  if (Number.isNaN(v)) return 0;
  if (v >= 2147483647) return 2147483647;
  if (v <= -2147483648) return -2147483648;
  return Math.trunc(v) | 0;
}

/** The double Java writes for a float: Double.parseDouble(Float.toString(f)), i.e. its shortest decimal. */
export function floatAsJavaWritesIt(f: number): number {
  if (!Number.isFinite(f) || f === 0) return f;
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(f.toPrecision(digits));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

export function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
