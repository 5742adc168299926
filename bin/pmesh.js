#!/usr/bin/env node
// Runs the bundle in dist/ when it was built from the sources as they are now (`npm start`,
// `npm run demo` and `npm test` build it first: scripts/build.mjs; freshness.cjs checks it
// in a few ms). Otherwise, an edited checkout or no build yet, it runs the sources through
// tsx's loader, which works the same but holds the TypeScript transpiler in memory (about
// 30 MB more) and starts several times slower.
//
// CommonJS (bin/package.json), as the bundle is: a process whose entry is an ES module starts
// Node's ES module loader and libuv's thread pool, 1.5 to 2 MiB that a sidecar would hold for
// its life (scripts/build.mjs).
'use strict';
const { setFlagsFromString } = require('node:v8');
const { isBuilt } = require('../scripts/freshness.cjs');

if (process.argv[2] === 'start') {
  // Until the sidecar is ready (`pmesh start` lifts both then: src/core/start-flags.ts):
  // - Most of what a start makes lives on (code, schemas, listeners), so V8 would grow its
  //   young generation to semi-spaces of 4 MiB that then sit idle; held at its initial size.
  //   Set here, not as a node flag: V8 raises a growth factor under 2 given on the command line.
  // - No function runs often enough in a start to gain from V8's optimizing compiler, whose
  //   compile jobs (tens of ms of CPU) and code (3 to 4 MiB of the node binary paged in)
  //   came from a few that merely crossed its threshold (zod's ZodType, Node's URL to path);
  //   nor from its baseline compiler, Sparkplug (0.6 MiB, its compiler's pages and its code).
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--no-turbofan');
  setFlagsFromString('--no-sparkplug');
}

if (isBuilt()) {
  require('../dist/cli/main.cjs');
} else {
  // A failure rejects unhandled, which ends the process with its stack.
  void import('tsx/esm/api').then(({ register }) => {
    register();
    return import('../src/cli/main.ts');
  });
}
