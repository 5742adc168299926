/**
 * The bundle in dist/ does not keep src/'s folders (scripts/build.mjs), so a module that
 * names a file by its own place (import.meta.dirname, new URL(..., import.meta.url)) finds
 * it from the sources and misses it from a build. Files read at run time are named from
 * PACKAGE_ROOT instead; this test keeps it that way.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/core/package-root.js';
import { REPO_ROOT } from '../../support/maven.js';

/** The modules allowed to use import.meta for a place: the one that finds the root, and createRequire (which resolves packages, the same from dist/). */
const ALLOWED = new Set(['src/core/package-root.ts', 'src/core/lazy-require.ts']);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('PACKAGE_ROOT', () => {
  it('is the folder holding package.json, proto/ and src/', () => {
    expect(PACKAGE_ROOT).toBe(REPO_ROOT);
  });

  it('is how src/ names files it reads at run time: no other module uses import.meta.dirname or import.meta.url', () => {
    const offenders = sources(join(REPO_ROOT, 'src'))
      .map((file) => relative(REPO_ROOT, file))
      .filter((file) => !ALLOWED.has(file) && /import\.meta\.(dirname|url|filename)/.test(readFileSync(join(REPO_ROOT, file), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
