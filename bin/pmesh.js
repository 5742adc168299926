#!/usr/bin/env node
// Runs the compiled JavaScript in dist/ when it was built from the sources as they are now
// (`npm start`, `npm run demo` and `npm test` build it first: scripts/build.mjs). Otherwise,
// an edited checkout or no build yet, it runs the sources through tsx's loader, which works
// the same but holds the TypeScript transpiler in memory (about 30 MB more).
import { isBuilt } from '../scripts/build.mjs';

if (isBuilt()) {
  await import('../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
