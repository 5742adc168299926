/**
 * The README as a test. Every ```sh block is run, in order, from the repository root,
 * with bash (-e -o pipefail), and must exit 0. What it must print is written in the README
 * itself, where a reader sees it:
 *
 *   - a ```output block right after it: the output, line by line (trailing spaces ignored);
 *     a line `...` stands for any number of lines;
 *   - or `# → text` at the end of a command line: `text` must appear in the output, after
 *     what the previous `# →` matched.
 *
 * A command that keeps running (a server a reader starts in its own terminal) is marked
 * with an HTML comment on the line before its block, invisible on GitHub:
 *
 *   <!-- readme-test: background until="pmesh demo ready" -->      wait for that text in its output
 *   <!-- readme-test: background restart until="..." -->            stop the background ones first
 *
 * Background commands run in their own process group and are stopped at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ReadmeBlock {
  /** 1-based line of the block's opening fence. */
  readonly line: number;
  readonly script: string;
  readonly background: boolean;
  readonly restart: boolean;
  readonly until?: string;
  /** The ```output block's lines, when there is one. */
  readonly output?: string[];
  /** The `# →` expectations, in order. */
  readonly contains: string[];
}

const DIRECTIVE = /^<!--\s*readme-test:(.*)-->\s*$/;
const ARROW = /\s#\s*→\s*(.*)$/;

export function parseReadme(text: string): ReadmeBlock[] {
  const lines = text.split('\n');
  const blocks: ReadmeBlock[] = [];
  let directive = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const found = DIRECTIVE.exec(line.trim());
    if (found) {
      directive = found[1] ?? '';
      continue;
    }
    const fence = /^```(\S*)\s*$/.exec(line);
    if (!fence) {
      if (line.trim() !== '') directive = '';
      continue;
    }
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i] ?? ''); i++) body.push(lines[i] ?? '');
    if (fence[1] !== 'sh') {
      directive = '';
      continue;
    }
    let output: string[] | undefined;
    let next = i + 1;
    while (next < lines.length && (lines[next] ?? '').trim() === '') next++;
    if ((lines[next] ?? '').trim() === '```output') {
      output = [];
      for (next++; next < lines.length && !/^```\s*$/.test(lines[next] ?? ''); next++) output.push(lines[next] ?? '');
      i = next;
    }
    blocks.push({
      line: start + 1,
      script: body.join('\n'),
      background: /\bbackground\b/.test(directive),
      restart: /\brestart\b/.test(directive),
      until: /until="([^"]*)"/.exec(directive)?.[1],
      output,
      contains: body.map((l) => ARROW.exec(l)?.[1]?.trim()).filter((t): t is string => t !== undefined && t !== ''),
    });
    directive = '';
  }
  return blocks;
}

/** The problem with `actual` against the block's expectations, or undefined when it matches. */
export function checkOutput(block: ReadmeBlock, actual: string): string | undefined {
  const got = actual.replace(/\r/g, '').split('\n').map((l) => l.trimEnd());
  while (got.length > 0 && got[got.length - 1] === '') got.pop();
  if (block.output && !linesMatch(block.output.map((l) => l.trimEnd()), got)) {
    return `expected output:\n${block.output.join('\n')}\n--- got:\n${got.join('\n')}`;
  }
  let from = 0;
  const text = got.join('\n');
  for (const wanted of block.contains) {
    const at = text.indexOf(wanted, from);
    if (at === -1) return `expected "${wanted}" in the output${from > 0 ? ' (after the previous match)' : ''}; got:\n${text}`;
    from = at + wanted.length;
  }
  return undefined;
}

function linesMatch(expected: string[], got: string[]): boolean {
  const [first, ...rest] = expected;
  if (first === undefined) return got.length === 0;
  if (first === '...') {
    for (let skip = 0; skip <= got.length; skip++) if (linesMatch(rest, got.slice(skip))) return true;
    return false;
  }
  return got[0] === first && linesMatch(rest, got.slice(1));
}

export interface RunOutcome {
  readonly code: number | null;
  readonly output: string;
}

/** Runs a foreground block to its end (stdout and stderr together). */
export function runBlock(script: string, cwd: string, timeoutMs: number): Promise<RunOutcome> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', script], { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

export class BackgroundBlock {
  #output = '';
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;

  constructor(
    readonly block: ReadmeBlock,
    cwd: string,
  ) {
    this.#child = spawn('bash', ['-c', block.script], { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child.stdout?.on('data', (chunk: Buffer) => (this.#output += chunk.toString('utf8')));
    this.#child.stderr?.on('data', (chunk: Buffer) => (this.#output += chunk.toString('utf8')));
    this.#exited = new Promise((resolve) => this.#child.once('exit', () => resolve()));
  }

  get output(): string {
    return this.#output;
  }

  /** Resolves once `text` shows in the output; rejects if the process ends first or on timeout. */
  async waitFor(text: string, timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!this.#output.includes(text)) {
      if (this.#child.exitCode !== null || this.#child.signalCode !== null) throw new Error(`README line ${this.block.line}: the command ended before printing "${text}":\n${this.#output}`);
      if (Date.now() > until) throw new Error(`README line ${this.block.line}: "${text}" not printed within ${timeoutMs} ms:\n${this.#output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** SIGTERM to the whole process group; SIGKILL to what is left of it after 20 s. */
  async stop(): Promise<void> {
    killGroup(this.#child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(this.#child, 'SIGKILL'), 20_000);
    await this.#exited;
    // The shell may end before its children (npm's node) have drained and freed their ports.
    const until = Date.now() + 25_000;
    while (groupAlive(this.#child) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100));
    clearTimeout(timer);
    killGroup(this.#child, 'SIGKILL');
  }
}

function groupAlive(child: ChildProcess): boolean {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 0);
    return child.pid !== undefined;
  } catch {
    return false;
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}
