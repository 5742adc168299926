/** `pmesh cert issue`: a workload certificate for one app, from the CA `pmesh ca init` made. */
import { join } from 'node:path';
import { DEFAULT_CERT_TTL_MS } from '../security/files.js';
import { UsageError, parseFlags } from './args.js';
import type { CliCommand } from './command.js';
import { help } from './start.js';

const UNITS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `30m`, `24h`, `7d` -> ms. */
function parseTtl(text: string): number {
  const match = /^(\d+)([smhd])$/.exec(text);
  if (!match || Number(match[1]) === 0) throw new UsageError(`--ttl ${text}: expected a positive number and a unit (90s, 30m, 24h, 7d)`);
  return Number(match[1]) * UNITS[match[2]!]!;
}

export const certCommand: CliCommand = {
  name: 'cert',
  summary: 'issue a workload certificate (SPIFFE id spiffe://<trust-domain>/app/<name>) from the CA',
  usage: `usage: pmesh cert issue --app NAME [--ca-dir DIR] [--out DIR] [--ttl 24h]

Issues a certificate for the app NAME, valid for TLS client and server authentication, whose
one URI SAN is spiffe://<trust-domain>/app/NAME, with a new ECDSA P-256 key. Writes
DIR/NAME.crt and DIR/NAME.key (the key readable by its owner only); give them to the app's
sidecar as identity.certFile and identity.keyFile, with the CA's ca.crt as identity.caFile.

options:
  --app NAME      the app (letters, digits, . - _)
  --ca-dir DIR    the CA made by pmesh ca init (default ./ca)
  --out DIR       where to write (default .)
  --ttl DURATION  lifetime: 90s, 30m, 24h, 7d (default 24h)
  -h, --help      this text

exit codes: 0 issued, 1 it could not be (no CA...), 2 usage`,
  async run(argv) {
    const { values, positionals } = parseFlags(
      argv,
      { app: { type: 'string' }, 'ca-dir': { type: 'string', default: 'ca' }, out: { type: 'string', default: '.' }, ttl: { type: 'string' } },
      true,
    );
    if (values.help) return help(this.usage);
    if (positionals[0] !== 'issue' || positionals.length !== 1) throw new UsageError('the sub-command is issue');
    if (!values.app) throw new UsageError('--app is required');
    const ttlMs = values.ttl === undefined ? DEFAULT_CERT_TTL_MS : parseTtl(values.ttl);
    // Loaded here, not at the top: every other pmesh command would pay for the X.509 library.
    const { issueCertificate, loadCa, writeIssued } = await import('../security/ca.js');
    const ca = await loadCa(values['ca-dir']!);
    let issued;
    try {
      issued = await issueCertificate(ca, values.app, { ttlMs });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const certFile = join(values.out!, `${values.app}.crt`);
    const keyFile = join(values.out!, `${values.app}.key`);
    writeIssued(issued, certFile, keyFile);
    process.stdout.write(`issued ${issued.spiffeId}, valid until ${issued.notAfter.toISOString()}: ${certFile}, ${keyFile}\n`);
    return 0;
  },
};
