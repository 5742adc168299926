/**
 * Small JSON files that must never be half-written: the embedded registry's snapshot and the
 * ZooKeeper backend's last-known endpoint cache. A write goes to a temp file in the same
 * directory, is fsynced, then renamed over the target (rename is atomic on one filesystem),
 * so a crash leaves either the old or the new file. Writes are coalesced: at most one in
 * flight, the latest content wins, and it lands within `delayMs` of the change.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Reads and parses a JSON file; undefined when missing or unreadable (the caller starts empty). */
export function readJsonFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const handle = await open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(value, null, 1)}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, path);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
}

/** Coalescing writer for one file: `schedule()` after each change, `flush()` before exit. */
export class SnapshotWriter {
  readonly #path: string;
  readonly #produce: () => unknown;
  readonly #delayMs: number;
  readonly #onError: (error: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  #dirty = false;

  constructor(path: string, produce: () => unknown, options: { delayMs?: number; onError?: (error: unknown) => void } = {}) {
    this.#path = path;
    this.#produce = produce;
    this.#delayMs = options.delayMs ?? 100;
    this.#onError = options.onError ?? (() => undefined);
  }

  get path(): string {
    return this.#path;
  }

  schedule(): void {
    this.#dirty = true;
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#write();
    }, this.#delayMs);
    this.#timer.unref();
  }

  /** Writes now if anything changed, and waits for every write in flight. */
  async flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    await this.#write();
  }

  #write(): Promise<void> {
    this.#writing = this.#writing.then(async () => {
      if (!this.#dirty) return;
      this.#dirty = false;
      try {
        await writeJsonAtomic(this.#path, this.#produce());
      } catch (error) {
        this.#dirty = true;
        this.#onError(error);
      }
    });
    return this.#writing;
  }
}
