/**
 * The sidecar's workload identity, read from files and kept current (watched-files.ts):
 * the certificate, its key and the trust bundle, a change taken once the key and the
 * certificate match again. With a CA directory the sidecar issues its own certificate when
 * it has none and renews it when less than `renewBeforeMs` is left. Listeners and upstreams hear each change (onChange)
 * and use it for new connections; open connections keep theirs.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { identityFromAltNames, type Logger } from '../core/index.js';
import type { TlsMaterial, TlsMaterialSource } from '../proxy/index.js';
import { CA_CERT_FILE } from './files.js';
import { WatchedFiles } from './watched-files.js';

export interface WorkloadIdentityOptions {
  readonly app?: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile?: string;
  readonly caDir?: string;
  readonly certTtlMs: number;
  readonly renewBeforeMs: number;
  readonly watchIntervalMs: number;
}

export class WorkloadIdentity implements TlsMaterialSource {
  readonly #options: WorkloadIdentityOptions;
  readonly #log: Logger;
  readonly #files: WatchedFiles<Loaded>;
  #renewing = false;
  #timer: NodeJS.Timeout | undefined;

  private constructor(options: WorkloadIdentityOptions, log: Logger, caFile: string) {
    this.#options = options;
    this.#log = log;
    this.#files = new WatchedFiles({
      paths: [options.certFile, options.keyFile, caFile],
      intervalMs: options.watchIntervalMs,
      read: () => load(options, caFile),
      same: (a, b) => a.material.cert === b.material.cert && a.material.key === b.material.key && a.material.ca === b.material.ca,
      what: 'workload identity',
      reloaded: (loaded) => log.info({ spiffeId: this.spiffeId, notAfter: new Date(loaded.notAfter).toISOString() }, 'workload identity reloaded'),
      log,
    });
  }

  /** Loads (issuing first when a CA directory is given and no valid certificate is there) and starts watching. */
  static async start(options: WorkloadIdentityOptions, log: Logger): Promise<WorkloadIdentity> {
    const caFile = options.caFile ?? join(options.caDir!, CA_CERT_FILE);
    if (options.caDir && needsIssue(options)) await issueInto(options);
    const identity = new WorkloadIdentity(options, log, caFile);
    if (options.caDir) identity.#timer = setInterval(() => void identity.#renewIfDue(), options.watchIntervalMs).unref();
    log.info({ spiffeId: identity.spiffeId, notAfter: new Date(identity.notAfter).toISOString() }, 'workload identity loaded');
    return identity;
  }

  current(): TlsMaterial {
    return this.#files.current().material;
  }

  onChange(listener: (material: TlsMaterial) => void): () => void {
    return this.#files.onChange((loaded) => listener(loaded.material));
  }

  get spiffeId(): string {
    return identityFromAltNames(new X509Certificate(this.current().cert).subjectAltName)?.spiffeId ?? '';
  }

  /** When the certificate in use expires (ms since the epoch). */
  get notAfter(): number {
    return this.#files.current().notAfter;
  }

  close(): void {
    clearInterval(this.#timer);
    this.#files.close();
  }

  async #renewIfDue(): Promise<void> {
    if (this.#renewing || this.notAfter - Date.now() > this.#options.renewBeforeMs) return;
    this.#renewing = true;
    try {
      await issueInto(this.#options);
      this.#files.reload();
    } catch (error) {
      this.#log.error({ err: (error as Error).message }, 'could not renew the workload certificate; retrying');
    } finally {
      this.#renewing = false;
    }
  }
}

interface Loaded {
  readonly material: TlsMaterial;
  readonly notAfter: number;
}

/** Reads the three files; throws when the key does not match the certificate or no SPIFFE id is in it. */
function load(options: WorkloadIdentityOptions, caFile: string): Loaded {
  const cert = readFileSync(options.certFile, 'utf8');
  const key = readFileSync(options.keyFile, 'utf8');
  const ca = readFileSync(caFile, 'utf8');
  const parsed = new X509Certificate(cert);
  const identity = identityFromAltNames(parsed.subjectAltName);
  // A root names its trust domain alone (spiffe://<domain>); a workload's id has a path.
  if (!identity || identity.spiffeId === `spiffe://${identity.trustDomain}`) {
    throw new Error(`${options.certFile} carries no workload spiffe:// URI SAN: issue it with pmesh cert issue`);
  }
  if (!parsed.checkPrivateKey(createPrivateKey(key))) throw new Error(`${options.keyFile} is not the key of ${options.certFile}`);
  createSecureContext({ cert, key, ca }); // throws on anything else node:tls would refuse
  return { material: { cert, key, ca, trustDomain: identity.trustDomain }, notAfter: Date.parse(parsed.validTo) };
}

/** No certificate yet, one for another app, or one due for renewal. */
function needsIssue(options: WorkloadIdentityOptions): boolean {
  if (!existsSync(options.certFile) || !existsSync(options.keyFile)) return true;
  try {
    const cert = new X509Certificate(readFileSync(options.certFile, 'utf8'));
    const app = identityFromAltNames(cert.subjectAltName)?.app;
    return app !== options.app || Date.parse(cert.validTo) - Date.now() <= options.renewBeforeMs;
  } catch {
    return true;
  }
}

async function issueInto(options: WorkloadIdentityOptions): Promise<void> {
  // Loaded on first use: the X.509 library takes a second or more to load on a busy host.
  const { issueCertificate, loadCa, writeIssued } = await import('./ca.js');
  const ca = await loadCa(options.caDir!);
  const issued = await issueCertificate(ca, options.app!, { ttlMs: options.certTtlMs });
  writeIssued(issued, options.certFile, options.keyFile);
}
