/**
 * A promise whose resolve and reject functions are handed out without an executor closure
 * per promise: `new Promise(fn)` with a closure costs that closure and its context on every
 * call, here one module function serves every promise. Read `settlers.resolve` and
 * `settlers.reject` right after `promiseWithSettlers()`, before anything else makes one.
 */
export const settlers: { resolve: (value: unknown) => void; reject: (error: unknown) => void } = {
  resolve: () => {},
  reject: () => {},
};

function capture(resolve: (value: never) => void, reject: (error: unknown) => void): void {
  // The promise's type is its maker's to keep: it reads the pair at once, as that type.
  settlers.resolve = resolve as (value: unknown) => void;
  settlers.reject = reject;
}

export function promiseWithSettlers<T>(): Promise<T> {
  return new Promise<T>(capture as (resolve: (value: T) => void, reject: (error: unknown) => void) => void);
}
