// Compiles src/ to dist/ with tsc when the sources changed since the last build; a fresh
// build costs one hash of the sources (a few ms). `pmesh` runs dist/ when it matches the
// sources (bin/pmesh.js asks `isBuilt()`), and the sources through tsx otherwise, so a
// stale build is never run. Run as a script (`node scripts/build.mjs`), it builds if needed.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
/** Written last into dist/: the key of the sources it was built from. */
const STAMP = '.source-key';
/** Besides src/, what changes the output. */
const INPUTS = ['tsconfig.json', 'tsconfig.build.json'];

function sourceFiles(dir) {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

/** A hash of every source's path and content: mtimes change on a clone or checkout, contents do not. */
export function sourceKey() {
  const hash = createHash('sha256');
  const files = [...sourceFiles(join(ROOT, 'src')), ...INPUTS.map((name) => join(ROOT, name))].sort();
  for (const file of files) {
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

/** Whether dist/ holds the build of the sources as they are now (true when there are no sources: an installed package). */
export function isBuilt() {
  if (!existsSync(join(ROOT, 'src'))) return existsSync(DIST);
  return stampOf(DIST) === sourceKey();
}

function stampOf(dir) {
  try {
    return readFileSync(join(dir, STAMP), 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Builds dist/ unless it is fresh. Compiles into a folder of its own beside dist/ (the same
 * depth, so relative paths hold) and swaps it in, so a process starting meanwhile sees the
 * old build or the new one, and two builds at once do not mix their files.
 */
export function build({ log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const key = sourceKey();
  if (stampOf(DIST) === key) return false;
  log('pmesh: compiling src/ to dist/ (tsc)...');
  const staging = join(ROOT, `.dist-${process.pid}`);
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', staging], { cwd: ROOT, stdio: 'inherit' });
    writeFileSync(join(staging, STAMP), key);
    const old = join(ROOT, `.dist-old-${process.pid}`);
    if (existsSync(DIST)) renameSync(DIST, old);
    try {
      renameSync(staging, DIST);
    } catch (error) {
      // Another build swapped its dist/ in meanwhile: fine if it is of the same sources.
      if (stampOf(DIST) !== key) throw error;
    }
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) build();
