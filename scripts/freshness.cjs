// Whether dist/ is the build of the sources as they are now. bin/pmesh.js asks on every
// start, so the usual answer must be cheap: the build records the size and mtime of every
// input beside its key, and when none changed, one stat per file (a few ms) says fresh.
// When any did (an edit, a checkout, a clone), the answer is the content hash, as exact as
// before: an mtime can change with the same content, and content never changes without
// its file's mtime or size changing too (unless one is set back on purpose).
//
// It runs before every start, so it avoids what costs CPU there: node:crypto (dozens of
// internal modules) is loaded only to hash, and paths are joined and made relative by
// string operations, not node:path (whose normalizing loop V8 otherwise optimizes at once,
// paging in its optimizing compiler).
//
// CommonJS, as bin/pmesh.js is: a start loads no ES module (scripts/build.mjs says why).
'use strict';
const { existsSync, readFileSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist');
/** In dist/, written last by the build: the content key of the inputs it was built from. */
const KEY_FILE = '.source-key';
/** In dist/, beside the key: each input's path, size and mtime when the key was taken. */
const STATS_FILE = '.source-stats';
/** Besides src/, what changes the output: the bundled libraries' versions and how it is built. */
const INPUTS = ['package-lock.json', 'tsconfig.json', 'scripts/build.mjs'];

/** Paths relative to ROOT with `/` between names (on every OS: the key must not depend on it). */
function filesUnder(dir, into) {
  for (const entry of readdirSync(`${ROOT}/${dir}`, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) filesUnder(path, into);
    else if (entry.isFile()) into.push(path);
  }
  return into;
}

/** Every input of the build, relative to ROOT and sorted: the files under src/ and those of INPUTS that exist. */
function inputFiles() {
  const extra = INPUTS.filter((name) => existsSync(`${ROOT}/${name}`));
  return [...filesUnder('src', []), ...extra].sort();
}

/** One line per input: path, size and mtime; first, the Node version (the build names Node's own modules' exports: build.mjs). */
function inputStats(files = inputFiles()) {
  const lines = files.map((file) => {
    const { size, mtimeMs } = statSync(`${ROOT}/${file}`);
    return `${file}\t${size}\t${mtimeMs}`;
  });
  return [`node\t${process.version}`, ...lines].join('\n');
}

/** A hash of the Node version and of every input's path and content: mtimes change on a clone or checkout, contents do not. */
function sourceKey(files = inputFiles()) {
  const hash = require('node:crypto').createHash('sha256').update(process.version).update('\0');
  for (const file of files) hash.update(file).update('\0').update(readFileSync(`${ROOT}/${file}`)).update('\0');
  return hash.digest('hex');
}

function readDist(name, dist = DIST) {
  try {
    return readFileSync(join(dist, name), 'utf8');
  } catch {
    return undefined;
  }
}

/** Whether dist/ holds the build of the sources as they are now (true when there are no sources: an installed package). */
function isBuilt() {
  if (!existsSync(join(ROOT, 'src'))) return existsSync(DIST);
  const key = readDist(KEY_FILE);
  if (key === undefined) return false;
  const files = inputFiles();
  if (readDist(STATS_FILE) === inputStats(files)) return true;
  return key === sourceKey(files);
}

module.exports = { ROOT, DIST, KEY_FILE, STATS_FILE, inputFiles, inputStats, sourceKey, readDist, isBuilt };
