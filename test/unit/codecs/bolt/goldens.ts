/** Loads the Bolt golden frames (test/golden/bolt, written by real peers; see its README). */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const GOLDEN_DIR = resolve(import.meta.dirname, '../../../golden/bolt');

export function golden(name: string): Buffer {
  return readFileSync(join(GOLDEN_DIR, `${name}.bin`));
}

export function hasGolden(name: string): boolean {
  return existsSync(join(GOLDEN_DIR, `${name}.bin`));
}

/** Every golden file name (without .bin), sorted. */
export function goldenNames(): string[] {
  return readdirSync(GOLDEN_DIR)
    .filter((file) => file.endsWith('.bin'))
    .map((file) => file.slice(0, -4))
    .sort();
}
