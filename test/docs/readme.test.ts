/**
 * Every shell example of the README runs, in order, against `npm run demo` as a reader
 * would run it (test/support/readme.ts says how the README states what each prints), so
 * no example can go stale. The README's own ports are used: the test first waits for them
 * to be free.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/maven.js';
import { BackgroundBlock, checkOutput, parseReadme, runBlock } from '../support/readme.js';

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const blocks = parseReadme(README);
/** The ports the README's examples use (the demo's, the Python provider's, the HTTP upstream's). */
const PORTS = [15000, 15001, 15002, 12220, 12221, 13330, 20880, 20881, 20882, 12200, 8000, 8080, 15100, 15101];

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function waitForFreePorts(): Promise<void> {
  const until = Date.now() + 120_000;
  for (;;) {
    const busy: number[] = [];
    for (const port of PORTS) if (!(await portFree(port))) busy.push(port);
    if (busy.length === 0) return;
    if (Date.now() > until) throw new Error(`the README's ports are in use: ${busy.join(', ')} (stop what runs there)`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const running: BackgroundBlock[] = [];
afterAll(async () => {
  await Promise.all(running.map((b) => b.stop()));
}, 60_000);

describe('README', () => {
  it('has no link or mention outside the repository', () => {
    expect(README).not.toMatch(/\.\.\/shared|shared\/(DESIGN|STYLE|RELIABILITY|protocols)/);
    for (const [, target] of README.matchAll(/\]\(([^)]+)\)/g)) {
      expect(target, `link ${target}`).not.toMatch(/^(\.\.\/|\/)/);
    }
  });

  it('nothing in src/, docs/, clients/ or scripts/ cites notes outside the repository', () => {
    const found = spawnSync('grep', ['-rlE', String.raw`\.\./shared|shared/(DESIGN|STYLE|RELIABILITY|protocols)|(DESIGN|STYLE|RELIABILITY|TOOLCHAIN)\.md`, 'src', 'docs', 'clients', 'scripts', '--exclude-dir=target', '--exclude-dir=node_modules'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(found.stdout.split('\n').filter(Boolean)).toEqual([]);
  });

  it('parses every ```sh block, and each foreground block states what it prints or is a plain step', () => {
    expect(blocks.length).toBeGreaterThan(8);
    expect(blocks.filter((b) => b.background).length).toBeGreaterThan(0);
  });

  it('runs every ```sh block in order, each printing what the README shows', { timeout: 40 * 60_000 }, async () => {
    await waitForFreePorts();
    for (const block of blocks) {
      if (block.background) {
        if (block.restart) {
          await Promise.all(running.splice(0).map((b) => b.stop()));
          await waitForFreePorts();
        }
        const started = new BackgroundBlock(block, REPO_ROOT);
        running.push(started);
        if (block.until) await started.waitFor(block.until, 20 * 60_000);
        continue;
      }
      const result = await runBlock(block.script, REPO_ROOT, 10 * 60_000);
      const where = `README line ${block.line}:\n${block.script}`;
      expect(result.code, `${where}\nexited ${result.code}:\n${result.output}`).toBe(0);
      expect(checkOutput(block, result.output), where).toBeUndefined();
    }
  });
});
