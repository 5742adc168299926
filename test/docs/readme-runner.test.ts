/** The README runner itself: what it reads as an example and its expectation, and that a stale example fails. */
import { describe, expect, it } from 'vitest';
import { checkOutput, parseReadme } from '../support/readme.js';

const README = [
  'Start it:',
  '',
  '<!-- readme-test: background until="ready" -->',
  '```sh',
  'npm run demo',
  '```',
  '',
  '```sh',
  'curl -s 127.0.0.1:1/add',
  '```',
  '```output',
  '42',
  '```',
  '',
  '```sh',
  'curl -s 127.0.0.1:1/a  # → first',
  'curl -s 127.0.0.1:1/b  # → second',
  '```',
  '',
  '```yaml',
  'not: run',
  '```',
].join('\n');

describe('README runner', () => {
  const blocks = parseReadme(README);

  it('reads the sh blocks only, with their directives, output blocks and arrows', () => {
    expect(blocks.map((b) => ({ line: b.line, background: b.background, until: b.until, output: b.output, contains: b.contains }))).toEqual([
      { line: 4, background: true, until: 'ready', output: undefined, contains: [] },
      { line: 8, background: false, until: undefined, output: ['42'], contains: [] },
      { line: 15, background: false, until: undefined, output: undefined, contains: ['first', 'second'] },
    ]);
  });

  it('passes output that matches and names the difference when an example went stale', () => {
    const [, add, arrows] = blocks;
    expect(checkOutput(add!, '42\n')).toBeUndefined();
    expect(checkOutput(add!, '41\n')).toBe('expected output:\n42\n--- got:\n41');
    expect(checkOutput(arrows!, 'the first one, then the second')).toBeUndefined();
    expect(checkOutput(arrows!, 'the second, then the first')).toContain('expected "second" in the output (after the previous match)');
  });

  it('lets a line "..." stand for any number of lines', () => {
    const [block] = parseReadme('```sh\nx\n```\n```output\nstart\n...\nend\n```');
    expect(checkOutput(block!, 'start\nend')).toBeUndefined();
    expect(checkOutput(block!, 'start\na\nb\nend')).toBeUndefined();
    expect(checkOutput(block!, 'start\na\nb')).toBeDefined();
  });
});
