/**
 * The package's own folder (the one holding package.json, proto/ and src/), found from
 * where this module runs: src/core/ when the sources run through tsx, a chunk of the
 * bundle in dist/ when built (scripts/build.mjs). Files the sidecar reads at run time are
 * named from here, not from a module's own folder, which the bundle does not keep.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

function packageRootFrom(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

export const PACKAGE_ROOT = packageRootFrom(import.meta.dirname);
