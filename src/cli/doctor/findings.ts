/** What doctor found, one line each, with the fix when something is wrong. */

export interface Finding {
  readonly level: 'ok' | 'info' | 'problem';
  readonly text: string;
  /** For a problem: what to do about it. */
  readonly fix?: string;
}

export const ok = (text: string): Finding => ({ level: 'ok', text });
export const info = (text: string): Finding => ({ level: 'info', text });
export const problem = (text: string, fix: string): Finding => ({ level: 'problem', text, fix });

const MARK: Record<Finding['level'], string> = { ok: 'ok     ', info: 'info   ', problem: 'PROBLEM' };

export function render(findings: readonly Finding[]): string {
  const lines: string[] = [];
  for (const finding of findings) {
    lines.push(`  ${MARK[finding.level]} ${finding.text}`);
    if (finding.fix) lines.push(`          fix: ${finding.fix}`);
  }
  const problems = findings.filter((f) => f.level === 'problem').length;
  lines.push(problems === 0 ? 'healthy' : `${problems} problem${problems === 1 ? '' : 's'} found`);
  return `${lines.join('\n')}\n`;
}
