/**
 * @peculiar/x509 on Node's WebCrypto, set up once. That library builds and parses X.509
 * (extensions, SANs, PEM) in TypeScript over WebCrypto keys, so the CA holds no hand-written
 * ASN.1; it needs reflect-metadata loaded before it (its ASN.1 schemas use decorators).
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export type Key = webcrypto.CryptoKey;

export { x509 };

/** ECDSA P-256 with SHA-256: every certificate and key of the mesh. */
export const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
}

export async function privateKeyPem(key: Key): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

export async function importPrivateKey(pem: string): Promise<Key> {
  const [der] = x509.PemConverter.decode(pem);
  if (!der) throw new Error('no PEM block in the key file');
  return webcrypto.subtle.importKey('pkcs8', der, EC_P256, true, ['sign']);
}

/** A random positive serial number, 16 bytes of hex (RFC 5280 allows up to 20 octets). */
export function serialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f || 0x01;
  return Buffer.from(bytes).toString('hex');
}
