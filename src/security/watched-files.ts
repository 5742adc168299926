/**
 * Files read together into one value and kept current: polled with fs.watchFile (it sees
 * an atomic rename, which fs.watch can miss), and a change taken only once they read as a
 * whole again, so a rotation that writes one file before the other is never half-applied.
 * Whoever holds the value hears each change and uses it for new connections; open
 * connections keep theirs. The workload identity and the TLS files of listeners and
 * clusters are both kept this way.
 */
import { unwatchFile, watchFile } from 'node:fs';
import type { Logger } from '../core/index.js';

export interface WatchedFilesOptions<T> {
  readonly paths: readonly string[];
  readonly intervalMs: number;
  /** Reads the files into a value; throws while they are unusable. */
  readonly read: () => T;
  readonly same: (a: T, b: T) => boolean;
  /** What the files are, in the line logged while they are unusable. */
  readonly what: string;
  /** Told a changed value before the listeners are (to log it). */
  readonly reloaded: (value: T) => void;
  readonly log: Logger;
}

export class WatchedFiles<T> {
  readonly #options: WatchedFilesOptions<T>;
  readonly #listeners = new Set<(value: T) => void>();
  #value: T;
  readonly #onFileChange = (): void => void this.reload();

  /** Reads the files (throwing when they are unusable) and starts watching them. */
  constructor(options: WatchedFilesOptions<T>) {
    this.#options = options;
    this.#value = options.read();
    for (const file of options.paths) watchFile(file, { interval: options.intervalMs, persistent: false }, this.#onFileChange);
  }

  current(): T {
    return this.#value;
  }

  onChange(listener: (value: T) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Reads the files again; true when they changed and the listeners were told. */
  reload(): boolean {
    let value: T;
    try {
      value = this.#options.read();
    } catch (error) {
      // Mid-rotation (the key written, not yet the certificate): the next change completes it.
      this.#options.log.debug({ err: (error as Error).message }, `${this.#options.what} files not usable yet; keeping the current ones`);
      return false;
    }
    if (this.#options.same(value, this.#value)) return false;
    this.#value = value;
    this.#options.reloaded(value);
    for (const listener of this.#listeners) listener(value);
    return true;
  }

  close(): void {
    for (const file of this.#options.paths) unwatchFile(file, this.#onFileChange);
    this.#listeners.clear();
  }
}
