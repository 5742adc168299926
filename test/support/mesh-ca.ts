/** A throw-away trust domain for tests: a CA made by pmesh's own CA code, and certificates issued from it on demand. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CA_CERT_FILE, initCa, issueCertificate, writeIssued, type IssueOptions } from '../../src/security/ca.js';
import type { TlsMaterial, TlsMaterialSource } from '../../src/proxy/index.js';

export interface TestCa {
  readonly dir: string;
  readonly trustDomain: string;
  readonly caFile: string;
  /** Issues a certificate for `app` into `<dir>/<name>.crt|.key`. */
  issue(app: string, options?: IssueOptions & { name?: string }): Promise<{ certFile: string; keyFile: string }>;
  /** Material for `app`, in memory (for transport tests). */
  material(app: string, options?: IssueOptions): Promise<TlsMaterial>;
}

export async function makeTestCa(trustDomain = 'mesh.test'): Promise<TestCa> {
  const dir = mkdtempSync(join(tmpdir(), 'pmesh-ca-'));
  const ca = await initCa(join(dir, 'ca'), trustDomain);
  const caFile = join(dir, 'ca', CA_CERT_FILE);
  return {
    dir: join(dir, 'ca'),
    trustDomain,
    caFile,
    async issue(app, options = {}) {
      const name = options.name ?? app;
      const certFile = join(dir, `${name}.crt`);
      const keyFile = join(dir, `${name}.key`);
      writeIssued(await issueCertificate(ca, app, options), certFile, keyFile);
      return { certFile, keyFile };
    },
    async material(app, options = {}) {
      const issued = await issueCertificate(ca, app, options);
      return { cert: issued.certPem, key: issued.keyPem, ca: readFileSync(caFile, 'utf8'), trustDomain };
    },
  };
}

/** A material source whose material a test replaces by hand. */
export function fixedMaterial(initial: TlsMaterial): TlsMaterialSource & { set(material: TlsMaterial): void } {
  let material = initial;
  const listeners = new Set<(m: TlsMaterial) => void>();
  return {
    current: () => material,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set(next) {
      material = next;
      for (const listener of listeners) listener(next);
    },
  };
}
