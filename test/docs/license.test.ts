/** The LICENSE file is the full text of the license package.json names. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO_ROOT } from '../support/maven.js';

it('LICENSE holds the full Apache License 2.0 that package.json declares', () => {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { license: string };
  const text = readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8');
  expect(pkg.license).toBe('Apache-2.0');
  expect(text).toMatch(/Apache License\s+Version 2\.0, January 2004/);
  expect(text).toContain('TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION');
  expect(text).toContain('9. Accepting Warranty or Additional Liability.');
  expect(text).toContain('END OF TERMS AND CONDITIONS');
});
