// Installs node_modules on a fresh clone (or after package-lock.json changed), then bundles
// src/ into dist/ when the sources changed (scripts/build.mjs), so that `npm start` and
// `npm test` are the only two commands a new user needs.
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';

const stamp = 'node_modules/.pmesh-lock-hash';
const lock = existsSync('package-lock.json') ? readFileSync('package-lock.json') : Buffer.alloc(0);
const hash = createHash('sha256').update(lock).digest('hex');
if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== hash) {
  process.stderr.write('pmesh: installing dependencies (npm ci)...\n');
  execSync('npm ci --no-audit --no-fund', { stdio: 'inherit' });
  writeFileSync(stamp, hash);
}
// Imported only now: the build needs esbuild from node_modules.
const { build } = await import('./build.mjs');
await build();
