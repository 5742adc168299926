/**
 * The `pmesh` command line as people expect it: --version, --help for the tool and for
 * every command (without running it), strict flags refused with exit 2 and a usage line,
 * PMESH_CONFIG honoured, and output fit for who reads it: a ports table on a terminal,
 * clean JSON lines with ISO times when piped.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { REPO_ROOT } from '../support/maven.js';
import { freePort } from '../support/ports.js';
import { startPeer, stopAllPeers } from '../support/process.js';
import { writeConfig } from '../support/sidecar.js';

const exec = promisify(execFile);
const PMESH = join(REPO_ROOT, 'bin/pmesh.js');
const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function pmesh(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [PMESH, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

afterEach(stopAllPeers);

describe('pmesh command line', () => {
  it('--version prints the package version', async () => {
    expect(await pmesh(['--version'])).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
    expect(await pmesh(['-v'])).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
  });

  it('-h and --help list every command with its summary and the PMESH_CONFIG variable', async () => {
    for (const flag of ['-h', '--help']) {
      const help = await pmesh([flag]);
      expect(help.code).toBe(0);
      for (const command of COMMANDS) expect(help.stdout).toContain(`${command.name}   `);
      expect(help.stdout).toContain('PMESH_CONFIG');
    }
  });

  it.each(COMMANDS.map((c) => c.name))('pmesh %s --help prints its usage and runs nothing', async (name) => {
    const command = COMMANDS.find((c) => c.name === name)!;
    const help = await pmesh([name, '--help']);
    expect(help).toMatchObject({ code: 0, stdout: `${command.usage}\n` });
    expect(help.stdout.split('\n')[0]).toMatch(new RegExp(`^usage: pmesh ${name}`));
  });

  it('refuses an unknown flag with exit 2 and the command\'s usage line', async () => {
    const refused = await pmesh(['start', '--bogus']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe("pmesh start: Unknown option '--bogus'\nusage: pmesh start [--config FILE]\n");
  });

  it('refuses --config without a value, and an unknown command', async () => {
    const missing = await pmesh(['start', '--config']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--config');
    expect(missing.stderr).toContain('usage: pmesh start');
    const unknown = await pmesh(['launch']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('pmesh: unknown command "launch"');
  });

  it('start reads PMESH_CONFIG when --config is not given', async () => {
    const path = writeConfig('clusters:\n  - { name: c, protocol: http1, endpoints: [bad] }\n');
    const refused = await pmesh(['start'], { PMESH_CONFIG: path });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`invalid config ${path}:`);
    expect(refused.stderr).toContain('clusters[0].endpoints[0]: expected host:port');
  });

  it('validate checks several files in one run and warns on an empty one', async () => {
    const empty = join(mkdtempSync(join(tmpdir(), 'pmesh-')), 'empty.yaml');
    writeFileSync(empty, '# nothing yet\n');
    const bad = writeConfig('listeners: [{ name: a, protocol: http1, address: x }]\n');
    const outcome = await pmesh(['validate', 'pmesh.yaml', empty, bad]);
    expect(outcome.code).toBe(2);
    expect(outcome.stdout).toContain('pmesh.yaml: ok\n');
    expect(outcome.stderr).toContain(`${empty}: warning: the file is empty`);
    expect(outcome.stderr).toContain('listeners[0].address: expected host:port');
    expect((await pmesh(['validate'])).code).toBe(2);
  });

  it('start, piped: every output line is JSON with an ISO 8601 time, and no table', async () => {
    const admin = await freePort();
    const path = writeConfig(`admin: { address: 127.0.0.1:${admin} }\nlisteners: [{ name: web, protocol: http1, address: 127.0.0.1:${await freePort()} }]\n`);
    const peer = startPeer('pmesh', process.execPath, [PMESH, 'start', '--config', path], { cwd: REPO_ROOT });
    await peer.waitFor(/pmesh sidecar ready/, 30_000);
    expect(await peer.stop()).toBe(0);
    const lines = peer.output().trim().split('\n');
    for (const line of lines) {
      const entry = JSON.parse(line) as { time: string };
      expect(entry.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
  });

  it('start, on a terminal: prints the ports it serves as a table', async () => {
    const admin = await freePort();
    const web = await freePort();
    const path = writeConfig(`admin: { address: 127.0.0.1:${admin} }\nlisteners: [{ name: web, protocol: http1, address: 127.0.0.1:${web} }]\n`);
    // `script` gives the child a pseudo-terminal; `timeout` ends it once the table had time to show.
    const shown = spawnSync('script', ['-qec', `timeout -s INT 8 ${process.execPath} ${PMESH} start --config ${path}`, '/dev/null'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    const text = shown.stdout.replace(/\x1b\[[0-9;]*m/g, '');
    expect(text).toMatch(/NAME\s+PROTOCOL\s+ADDRESS\s+WHAT/);
    expect(text).toMatch(new RegExp(`admin\\s+http\\s+127\\.0\\.0\\.1:${admin}`));
    expect(text).toMatch(new RegExp(`web\\s+http1\\s+127\\.0\\.0\\.1:${web}`));
    expect(text).toContain('pmesh sidecar ready');
  });
});
