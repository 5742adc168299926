/**
 * The YAML parser, required for each use and let go after it. Only reading a config needs it
 * (at start, on a reload, `pmesh validate`), but an ES module once imported stays for the
 * process's life: bundled into a chunk, the parser held 0.6 MiB of every idle sidecar's heap.
 * So the build makes it a CommonJS file of its own (yaml-module.ts), required here and taken
 * out of require's cache after the call; the next full GC frees it (after a start,
 * heap.settleAfterStart's). Each use compiles it again: a few ms, once per config read.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../core/index.js';
import { YAML_MODULE } from './yaml-module.js';

type Yaml = typeof import('yaml');

export function withYaml<T>(use: (yaml: Yaml) => T): T {
  // A require of its own: the module it makes to require from lists what it loaded as its
  // children, and goes with this call. From the package's root, as src/ names every place
  // (core/package-root.ts): `yaml` resolves from there, and the bundle's YAML_MODULE is absolute.
  const require = createRequire(join(PACKAGE_ROOT, 'package.json'));
  const path = require.resolve(YAML_MODULE);
  try {
    return use(require(path) as Yaml);
  } finally {
    delete require.cache[path];
  }
}
