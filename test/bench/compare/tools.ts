/** The programs the side-by-side bench runs besides ours: HAProxy, nginx and wrk from Debian, Go for MOSN. */
import { execFileSync, spawnSync } from 'node:child_process';

function onPath(program: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Installs the Debian packages that are missing (apt-get; the bench runs as root here). */
export function ensureDebianTools(log: (line: string) => void): void {
  const missing = ['haproxy', 'nginx', 'wrk'].filter((program) => !onPath(program));
  if (missing.length === 0) return;
  log(`installing ${missing.join(', ')} from Debian (apt-get install)...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['install', '-y', '-o', 'DPkg::Lock::Timeout=300', ...missing], { env, stdio: 'inherit' });
}

export function ensureGo(): void {
  if (!onPath('go')) throw new Error('the compare bench builds MOSN with Go (1.21 or later): install Go first');
}

/** The first line of a program's version output, for the report (nginx and wrk print it on stderr). */
export function versionOf(program: string, args: readonly string[]): string {
  const { stdout, stderr } = spawnSync(program, args, { encoding: 'utf8' });
  return `${stdout ?? ''}${stderr ?? ''}`.split('\n')[0]!.trim();
}
