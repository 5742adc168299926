// Whether dist/ is the build of the sources as they are now. bin/pmesh.js asks on every
// start, so the usual answer must be cheap: the build records the size and mtime of every
// input beside its key, and when none changed, one stat per file (a few ms) says fresh.
// When any did (an edit, a checkout, a clone), the answer is the content hash, as exact as
// before: an mtime can change with the same content, and content never changes without
// its file's mtime or size changing too (unless one is set back on purpose).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(ROOT, 'dist');
/** In dist/, written last by the build: the content key of the inputs it was built from. */
export const KEY_FILE = '.source-key';
/** In dist/, beside the key: each input's path, size and mtime when the key was taken. */
export const STATS_FILE = '.source-stats';
/** Besides src/, what changes the output: the bundled libraries' versions and how it is built. */
const INPUTS = ['package-lock.json', 'tsconfig.json', 'scripts/build.mjs'];

function filesUnder(dir) {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...filesUnder(path));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

/** Every input of the build, sorted: the files under src/ and those of INPUTS that exist. */
export function inputFiles() {
  const extra = INPUTS.map((name) => join(ROOT, name)).filter((path) => existsSync(path));
  return [...filesUnder(join(ROOT, 'src')), ...extra].sort();
}

/** One line per input: path, size and mtime. */
export function inputStats(files = inputFiles()) {
  return files
    .map((file) => {
      const { size, mtimeMs } = statSync(file);
      return `${relative(ROOT, file)}\t${size}\t${mtimeMs}`;
    })
    .join('\n');
}

/** A hash of every input's path and content: mtimes change on a clone or checkout, contents do not. */
export function sourceKey(files = inputFiles()) {
  const hash = createHash('sha256');
  for (const file of files) hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

export function readDist(name, dist = DIST) {
  try {
    return readFileSync(join(dist, name), 'utf8');
  } catch {
    return undefined;
  }
}

/** Whether dist/ holds the build of the sources as they are now (true when there are no sources: an installed package). */
export function isBuilt() {
  if (!existsSync(join(ROOT, 'src'))) return existsSync(DIST);
  const key = readDist(KEY_FILE);
  if (key === undefined) return false;
  const files = inputFiles();
  if (readDist(STATS_FILE) === inputStats(files)) return true;
  return key === sourceKey(files);
}
