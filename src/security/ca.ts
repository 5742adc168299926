/**
 * The mesh's small CA: `pmesh ca init` makes a trust domain's root (ECDSA P-256), and
 * `pmesh cert issue` or a sidecar renewing itself issue short-lived workload certificates
 * whose one URI SAN is the app's SPIFFE id, valid for both TLS server and client auth.
 * The root carries its trust domain as a SPIFFE id SAN (`spiffe://<trust-domain>`), so the
 * CA directory alone says which domain it signs for.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkTrustDomain, parseSpiffeId, spiffeIdOf } from '../core/index.js';
import { CA_CERT_FILE, CA_KEY_FILE, DEFAULT_CERT_TTL_MS } from './files.js';
import { EC_P256, generateKeys, type Key, importPrivateKey, privateKeyPem, serialNumber, x509 } from './x509.js';

export { CA_CERT_FILE, CA_KEY_FILE, DEFAULT_CERT_TTL_MS };

/** A root lives ten years. */
const ROOT_LIFETIME_MS = 10 * 365 * 24 * 3600_000;
/** Issued certificates start a little in the past, so a peer whose clock is behind accepts them. */
const CLOCK_SKEW_MS = 5 * 60_000;

export interface CertificateAuthority {
  readonly trustDomain: string;
  readonly certPem: string;
  readonly cert: x509.X509Certificate;
  readonly key: Key;
}

export interface IssuedCertificate {
  readonly spiffeId: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Creates a root in `dir` (refused when one is there: a new root would orphan every workload). */
export async function initCa(dir: string, trustDomain: string, now = new Date()): Promise<CertificateAuthority> {
  checkTrustDomain(trustDomain);
  if (existsSync(join(dir, CA_KEY_FILE))) throw new Error(`${join(dir, CA_KEY_FILE)} exists: a CA is already there`);
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=pmesh root ${trustDomain}, O=${trustDomain}`,
    notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
    notAfter: new Date(now.getTime() + ROOT_LIFETIME_MS),
    signingAlgorithm: EC_P256,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `spiffe://${trustDomain}` }]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  mkdirSync(dir, { recursive: true });
  const certPem = cert.toString('pem');
  writeFileSync(join(dir, CA_CERT_FILE), `${certPem}\n`);
  writeSecret(join(dir, CA_KEY_FILE), await privateKeyPem(keys.privateKey));
  return { trustDomain, certPem, cert, key: keys.privateKey };
}

/** Reads the root in `dir`, with clear errors for a missing or foreign directory. */
export async function loadCa(dir: string): Promise<CertificateAuthority> {
  const certFile = join(dir, CA_CERT_FILE);
  const keyFile = join(dir, CA_KEY_FILE);
  if (!existsSync(certFile) || !existsSync(keyFile)) throw new Error(`${dir} holds no CA (${CA_CERT_FILE} and ${CA_KEY_FILE}): run pmesh ca init`);
  const certPem = readFileSync(certFile, 'utf8').trim();
  const cert = new x509.X509Certificate(certPem);
  const trustDomain = trustDomainOf(cert);
  if (!trustDomain) throw new Error(`${certFile} names no trust domain (a spiffe:// URI SAN): it was not made by pmesh ca init`);
  return { trustDomain, certPem, cert, key: await importPrivateKey(readFileSync(keyFile, 'utf8')) };
}

export interface IssueOptions {
  readonly ttlMs?: number;
  /** For tests of expiry: the validity window, instead of now .. now + ttl. */
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

/** A workload certificate and its new key for `app` in the CA's trust domain. */
export async function issueCertificate(ca: CertificateAuthority, app: string, options: IssueOptions = {}): Promise<IssuedCertificate> {
  const spiffeId = spiffeIdOf(ca.trustDomain, app);
  const now = Date.now();
  const notBefore = options.notBefore ?? new Date(now - CLOCK_SKEW_MS);
  const notAfter = options.notAfter ?? new Date(now + (options.ttlMs ?? DEFAULT_CERT_TTL_MS));
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: `CN=${app}, O=${ca.trustDomain}`,
    issuer: ca.cert.subject,
    notBefore,
    notAfter,
    signingAlgorithm: EC_P256,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: spiffeId }], true),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert, false),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { spiffeId, certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey), notBefore, notAfter };
}

/** Writes a workload's certificate and key (the key readable by its owner only). */
export function writeIssued(issued: IssuedCertificate, certFile: string, keyFile: string): void {
  // Key first: a watcher that sees the new certificate must find its key already there.
  writeSecret(keyFile, issued.keyPem);
  writeAtomic(certFile, `${issued.certPem}\n`);
}

/** The trust domain a certificate names in its spiffe:// URI SAN, if any. */
export function trustDomainOf(cert: x509.X509Certificate): string | undefined {
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  for (const name of san?.names.items ?? []) {
    if (name.type === 'url') {
      const parsed = parseSpiffeId(name.value);
      if (parsed) return parsed.trustDomain;
    }
  }
  return undefined;
}

function writeSecret(path: string, text: string): void {
  writeAtomic(path, text.endsWith('\n') ? text : `${text}\n`, 0o600);
}

/** Write then rename, so a reader never sees half a file. */
function writeAtomic(path: string, text: string, mode = 0o644): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}
