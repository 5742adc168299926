/**
 * How `pmesh status` and `pmesh doctor` reach a sidecar's admin API: its address, HTTPS or
 * not, the CA its certificate chains to, and its bearer token. From flags, or from the
 * sidecar's own config file (`--config`): `admin.address`, `admin.tls` (HTTPS), `admin.tokenFile`
 * and `identity.caFile` (the mesh CA, which signs certificates made by `pmesh cert issue`).
 * A flag wins over the config.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from './args.js';
import { dialable, type AdminConnection } from './admin-api.js';

/** The flags both commands take (node:util parseArgs definitions). */
export const ADMIN_FLAGS = {
  admin: { type: 'string' },
  config: { type: 'string' },
  'token-file': { type: 'string' },
  'ca-file': { type: 'string' },
} as const;

export const ADMIN_USAGE = `  --admin host:port   the sidecar's admin API (default: the config's admin.address, else 127.0.0.1:15000)
  --config FILE       the sidecar's config: its admin address, TLS (admin.tls), token (admin.tokenFile)
                      and CA (identity.caFile) are read from it
  --token-file FILE   the admin API's bearer token (the file admin.tokenFile names)
  --ca-file FILE      the CA its HTTPS certificate chains to; given, the admin API is asked over HTTPS`;

const DEFAULT_ADMIN = '127.0.0.1:15000';

export interface AdminFlags {
  readonly admin?: string;
  readonly config?: string;
  readonly 'token-file'?: string;
  readonly 'ca-file'?: string;
}

/** Where and how to ask the admin API; a file that cannot be read is a UsageError naming it. */
export async function adminTarget(flags: AdminFlags): Promise<{ address: string; connection: AdminConnection }> {
  const fromConfig = flags.config === undefined ? undefined : await readSidecarConfig(flags.config);
  const tokenFile = flags['token-file'] ?? fromConfig?.tokenFile;
  const caFile = flags['ca-file'] ?? fromConfig?.caFile;
  const https = flags['ca-file'] !== undefined || fromConfig?.https === true;
  return {
    address: flags.admin ?? fromConfig?.address ?? DEFAULT_ADMIN,
    connection: {
      ...(tokenFile === undefined ? {} : { token: readText(tokenFile, '--token-file').trim() }),
      ...(https ? { tls: { ...(caFile === undefined ? {} : { ca: readText(caFile, '--ca-file') }) } } : {}),
    },
  };
}

interface SidecarAdmin {
  readonly address: string;
  readonly https: boolean;
  readonly tokenFile?: string;
  readonly caFile?: string;
}

async function readSidecarConfig(path: string): Promise<SidecarAdmin> {
  // Imported here: only a command given --config loads the config code.
  const { loadConfig } = await import('../main.js');
  const config = await loadConfig(path);
  return { address: dialable(config.admin.address), https: config.admin.tls !== undefined, tokenFile: config.admin.tokenFile, caFile: config.identity?.caFile };
}

function readText(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${flag} ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}
