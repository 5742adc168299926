/** Helpers for registry tests: collect a subscription's updates and wait for one that matches. */
import type { RegistryUpdate } from '../../src/registry/index.js';

export interface UpdateLog {
  readonly updates: RegistryUpdate[];
  readonly listener: (update: RegistryUpdate) => void;
  /** Resolves with the first update (past or future) that passes `test`; rejects after `timeoutMs`. */
  until(test: (update: RegistryUpdate) => boolean, timeoutMs?: number, what?: string): Promise<RegistryUpdate>;
  /** Resolves with the next update from now on that passes `test`. */
  next(test: (update: RegistryUpdate) => boolean, timeoutMs?: number, what?: string): Promise<RegistryUpdate>;
  latest(): RegistryUpdate | undefined;
}

export function updateLog(): UpdateLog {
  const updates: RegistryUpdate[] = [];
  const waiters = new Set<(update: RegistryUpdate) => void>();
  const wait = (from: number, test: (u: RegistryUpdate) => boolean, timeoutMs: number, what: string): Promise<RegistryUpdate> => {
    const hit = updates.slice(from).find(test);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        const last = updates.at(-1);
        reject(new Error(`no update ${what} within ${timeoutMs} ms; last: ${last ? `${last.origin} [${last.endpoints.map((e) => e.address).join(', ')}]` : 'none'}`));
      }, timeoutMs);
      const check = (u: RegistryUpdate): void => {
        if (!test(u)) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(u);
      };
      waiters.add(check);
    });
  };
  return {
    updates,
    listener: (update) => {
      updates.push(update);
      for (const waiter of [...waiters]) waiter(update);
    },
    until: (test, timeoutMs = 30_000, what = 'matching') => wait(0, test, timeoutMs, what),
    next: (test, timeoutMs = 30_000, what = 'matching') => wait(updates.length, test, timeoutMs, what),
    latest: () => updates.at(-1),
  };
}

/** Addresses of an update, sorted. */
export function addresses(update: RegistryUpdate | undefined): string[] {
  return (update?.endpoints ?? []).map((e) => e.address).sort();
}
