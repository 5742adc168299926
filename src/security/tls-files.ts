/**
 * Certificate files a config names for TLS with apps and providers that are not sidecars
 * (`listeners[].tls.certFile/keyFile/caFile`, `clusters[].tls`), read and kept current the
 * way the workload identity is (src/security/workload.ts): polled with fs.watchFile, which
 * sees an atomic rename, and a change taken only once the key matches the certificate
 * again, so a rotation that writes one file before the other is never half-applied.
 * Whoever serves or dials with them hears each change and uses it for new connections;
 * open connections keep theirs.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Logger } from '../core/index.js';
import type { PemSet, PemSource, TlsFiles } from '../proxy/index.js';

/** How often the files are checked for changes, ms (as often as the workload identity's by default). */
export const TLS_FILES_WATCH_MS = 1_000;

export class WatchedTlsFiles implements PemSource {
  readonly #files: TlsFiles;
  readonly #log: Logger;
  readonly #listeners = new Set<(pem: PemSet) => void>();
  #pem: PemSet;
  readonly #onFileChange = (): void => this.#reload();

  /** Reads the files (throwing a clear error when they are unusable) and watches them every `intervalMs`. */
  constructor(files: TlsFiles, intervalMs: number, log: Logger) {
    this.#files = files;
    this.#log = log;
    this.#pem = readTlsFiles(files);
    for (const file of this.#paths()) watchFile(file, { interval: intervalMs, persistent: false }, this.#onFileChange);
  }

  current(): PemSet {
    return this.#pem;
  }

  onChange(listener: (pem: PemSet) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    for (const file of this.#paths()) unwatchFile(file, this.#onFileChange);
    this.#listeners.clear();
  }

  #paths(): string[] {
    const { certFile, keyFile, caFile } = this.#files;
    return [certFile, keyFile, caFile].filter((file): file is string => file !== undefined);
  }

  #reload(): void {
    let pem: PemSet;
    try {
      pem = readTlsFiles(this.#files);
    } catch (error) {
      // Mid-rotation (the key written, not yet the certificate): the next change completes it.
      this.#log.debug({ err: (error as Error).message }, 'TLS files not usable yet; keeping the current ones');
      return;
    }
    if (pem.cert === this.#pem.cert && pem.key === this.#pem.key && pem.ca === this.#pem.ca) return;
    this.#pem = pem;
    this.#log.info({ certFile: this.#files.certFile, caFile: this.#files.caFile }, 'TLS files reloaded');
    for (const listener of this.#listeners) listener(pem);
  }
}

/** Reads the files; throws naming the file when one is missing, unparsable, or a key that is not its certificate's. */
export function readTlsFiles(files: TlsFiles): PemSet {
  const read = (file: string | undefined): string | undefined => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  };
  const pem = { cert: read(files.certFile), key: read(files.keyFile), ca: read(files.caFile) };
  if (pem.cert !== undefined && pem.key !== undefined) {
    let matches: boolean;
    try {
      matches = new X509Certificate(pem.cert).checkPrivateKey(createPrivateKey(pem.key));
    } catch (error) {
      throw new Error(`${files.certFile} or ${files.keyFile} is not a PEM certificate and private key: ${(error as Error).message}`);
    }
    if (!matches) throw new Error(`${files.keyFile} is not the key of ${files.certFile}`);
  }
  try {
    createSecureContext(pem); // throws on anything else node:tls would refuse (a CA bundle that is no certificate...)
  } catch (error) {
    throw new Error(`${[files.certFile, files.keyFile, files.caFile].filter(Boolean).join(', ')}: ${(error as Error).message}`);
  }
  return pem;
}
