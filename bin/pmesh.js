#!/usr/bin/env node
// Runs the bundle in dist/ when it was built from the sources as they are now (`npm start`,
// `npm run demo` and `npm test` build it first: scripts/build.mjs; freshness.mjs checks it
// in a few ms). Otherwise, an edited checkout or no build yet, it runs the sources through
// tsx's loader, which works the same but holds the TypeScript transpiler in memory (about
// 30 MB more) and starts several times slower.
import { isBuilt } from '../scripts/freshness.mjs';

if (isBuilt()) {
  await import('../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
