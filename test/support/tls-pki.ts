/**
 * A throw-away PKI made by openssl (not by pmesh's own CA code, whose certificates carry only
 * SPIFFE ids): a root, and certificates it signs for a server (DNS localhost, IP 127.0.0.1)
 * or a client. ECDSA P-256 keys in PKCS#8 PEM, which Node, Netty (Dubbo) and grpcio all read.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CertPair {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface TestPki {
  readonly dir: string;
  /** The root's certificate: the CA bundle peers verify against. */
  readonly caFile: string;
  /** Issues a certificate signed by the root into `<dir>/<name>.crt|.key`. */
  issue(name: string, usage: 'server' | 'client'): CertPair;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function newKey(file: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
}

export function makeTestPki(label = 'test'): TestPki {
  const dir = mkdtempSync(join(tmpdir(), `pmesh-pki-${label}-`));
  const caKey = join(dir, 'ca.key');
  const caFile = join(dir, 'ca.crt');
  newKey(caKey);
  openssl(['req', '-x509', '-new', '-key', caKey, '-subj', `/CN=${label} test root`, '-days', '2', '-out', caFile, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return {
    dir,
    caFile,
    issue(name, usage) {
      const keyFile = join(dir, `${name}.key`);
      const certFile = join(dir, `${name}.crt`);
      const csr = join(dir, `${name}.csr`);
      const extensions = join(dir, `${name}.ext`);
      newKey(keyFile);
      openssl(['req', '-new', '-key', keyFile, '-subj', `/CN=${usage === 'server' ? 'localhost' : name}`, '-out', csr]);
      const san = usage === 'server' ? 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' : '';
      writeFileSync(extensions, `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=${usage === 'server' ? 'serverAuth' : 'clientAuth'}\n${san}`);
      openssl(['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-days', '2', '-extfile', extensions, '-out', certFile]);
      return { certFile, keyFile };
    },
  };
}
