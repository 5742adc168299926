/** `pmesh ca init`: a trust domain's root for mTLS between sidecars (docs/security.md). */
import { join } from 'node:path';
import { CA_CERT_FILE, CA_KEY_FILE } from '../security/files.js';
import { UsageError, parseFlags } from './args.js';
import type { CliCommand } from './command.js';
import { help } from './start.js';

export const caCommand: CliCommand = {
  name: 'ca',
  summary: "create the mesh's CA: a trust domain's root (ECDSA P-256) for workload certificates",
  usage: `usage: pmesh ca init --trust-domain NAME [--dir DIR]

Creates a root certificate and key for the trust domain NAME (spiffe://NAME/...) in DIR:
${CA_CERT_FILE} (the trust bundle every sidecar is given) and ${CA_KEY_FILE} (readable by its
owner only; keep it where sidecars that renew their own certificates can read it, or issue
with \`pmesh cert issue\`). An existing CA is never overwritten.

options:
  --trust-domain NAME   e.g. example.org (lower-case letters, digits, . - _)
  --dir DIR             where to write (default ./ca)
  -h, --help            this text

exit codes: 0 created, 1 it could not be (a CA already there...), 2 usage`,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { 'trust-domain': { type: 'string' }, dir: { type: 'string', default: 'ca' } }, true);
    if (values.help) return help(this.usage);
    if (positionals[0] !== 'init' || positionals.length !== 1) throw new UsageError('the sub-command is init');
    const trustDomain = values['trust-domain'];
    if (!trustDomain) throw new UsageError('--trust-domain is required');
    const dir = values.dir!;
    // Loaded here, not at the top: every other pmesh command would pay for the X.509 library.
    const { initCa } = await import('../security/ca.js');
    await initCa(dir, trustDomain);
    process.stdout.write(`created the CA of spiffe://${trustDomain} in ${dir}: ${join(dir, CA_CERT_FILE)} (trust bundle), ${join(dir, CA_KEY_FILE)} (secret)\n`);
    return 0;
  },
};
