/** docs/config.md is what `npm run docs:config` makes of the schema today, and names every field. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_DOC, renderConfigReference } from '../../scripts/docs/config-reference.js';

describe('config reference', () => {
  const generated = renderConfigReference();

  it('docs/config.md matches the schema (run `npm run docs:config` after changing src/config/schema.ts)', () => {
    expect(readFileSync(CONFIG_DOC, 'utf8')).toBe(generated);
  });

  it('describes every field of the schema', () => {
    const rows = generated.split('\n').filter((line) => /^\| `[^`]+` \| /.test(line) && line.split(' | ').length === 6);
    expect(rows.length).toBeGreaterThan(50);
    const undescribed = rows.filter((line) => (line.split(' | ')[4] ?? '').trim() === '').map((line) => line.split(' | ')[0]);
    expect(undescribed).toEqual([]);
  });

  it('lists the fields people look for first, with their defaults', () => {
    expect(generated).toContain('| `defaults.routeTimeoutMs` | integer ≥ 1 | `15000` | live |');
    expect(generated).toContain('| `listeners[].address` | host:port | required | live |');
    expect(generated).toContain('| `logging.level` | `trace` \\| `debug` \\| `info` \\| `warn` \\| `error` \\| `fatal` \\| `silent` | `info` | restart |');
  });
});
