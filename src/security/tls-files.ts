/**
 * Certificate files a config names for TLS with apps and providers that are not sidecars
 * (`listeners[].tls.certFile/keyFile/caFile`, `clusters[].tls`), read and kept current as
 * the workload identity is (watched-files.ts): whoever serves or dials with them hears
 * each change and uses it for new connections; open connections keep theirs.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Logger } from '../core/index.js';
import type { PemSet, PemSource, TlsFiles } from '../proxy/index.js';
import { WatchedFiles } from './watched-files.js';

/** How often the files are checked for changes, ms (as often as the workload identity's by default). */
export const TLS_FILES_WATCH_MS = 1_000;

export class WatchedTlsFiles implements PemSource {
  readonly #files: WatchedFiles<PemSet>;

  /** Reads the files (throwing a clear error when they are unusable) and watches them every `intervalMs`. */
  constructor(files: TlsFiles, intervalMs: number, log: Logger) {
    const { certFile, keyFile, caFile } = files;
    this.#files = new WatchedFiles({
      paths: [certFile, keyFile, caFile].filter((file): file is string => file !== undefined),
      intervalMs,
      read: () => readTlsFiles(files),
      same: (a, b) => a.cert === b.cert && a.key === b.key && a.ca === b.ca,
      what: 'TLS',
      reloaded: () => log.info({ certFile, caFile }, 'TLS files reloaded'),
      log,
    });
  }

  current(): PemSet {
    return this.#files.current();
  }

  onChange(listener: (pem: PemSet) => void): () => void {
    return this.#files.onChange(listener);
  }

  close(): void {
    this.#files.close();
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
