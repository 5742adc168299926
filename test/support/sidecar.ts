/**
 * Running a whole sidecar in tests: in this process (fast, for most tests) or as a
 * child process through the real CLI (for signals, exit codes and memory).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { loadConfig, run, type Running } from '../../src/main.js';
import { startPeer, type Peer } from './process.js';
import { REPO_ROOT } from './maven.js';

/** Writes a config file in a fresh temp dir; the registry's data goes there too unless the YAML says otherwise. */
export function writeConfig(yaml: string, dir = mkdtempSync(join(tmpdir(), 'pmesh-'))): string {
  const path = join(dir, 'pmesh.yaml');
  yaml = withTestWorkers(yaml);
  const dataDir = JSON.stringify(join(dir, 'data'));
  // Registry caches and snapshots go to the temp dir too, never into the repository's data/.
  const withData = !/^registry:/m.test(yaml)
    ? `registry: { dataDir: ${dataDir} }\n${yaml}`
    : /dataDir/.test(yaml)
      ? yaml
      : yaml.replace(/^registry: \{/m, `registry: { dataDir: ${dataDir},`);
  writeFileSync(path, withData);
  return path;
}

/**
 * PMESH_TEST_WORKERS=N runs every sidecar the tests start with `workers: N` (unless its YAML
 * says how many): `PMESH_TEST_WORKERS=2 npx vitest run test/integration` (docs/workers.md).
 */
export function withTestWorkers(yaml: string): string {
  const workers = process.env.PMESH_TEST_WORKERS;
  return workers && !/^workers:/m.test(yaml) ? `workers: ${workers}\n${yaml}` : yaml;
}

/** How many workers the sidecars the tests start run (PMESH_TEST_WORKERS; 1 without it). */
export function testWorkers(): number {
  return Number(process.env.PMESH_TEST_WORKERS ?? 1) || 1;
}

/** Starts a sidecar in this process from YAML text; the file is watched for reloads. */
export async function startInProcess(yaml: string): Promise<Running & { configPath: string }> {
  const configPath = writeConfig(`logging: { level: silent }\n${yaml}`);
  const running = await run(configPath, await loadConfig(configPath));
  return Object.assign(running, { configPath });
}

/** Starts `bin/pmesh.js start --config` as a child process and waits for its admin /ready. */
export async function startChild(yaml: string, adminPort: number): Promise<{ peer: Peer; configPath: string }> {
  const configPath = writeConfig(yaml);
  const peer = startPeer('pmesh', process.execPath, [join(REPO_ROOT, 'bin/pmesh.js'), 'start', '--config', configPath], {
    cwd: REPO_ROOT,
  });
  await peer.waitFor(/pmesh sidecar ready/, 30_000);
  const ready = await request(`http://127.0.0.1:${adminPort}/ready`);
  await ready.body.dump();
  if (ready.statusCode !== 200) throw new Error(`sidecar not ready: ${ready.statusCode}\n${peer.output()}`);
  return { peer, configPath };
}
