#!/usr/bin/env -S node --initial-old-space-size=32
// The first line gives node what only its command line can (V8 reads it once, when it makes
// the heap, and NODE_OPTIONS refuses it): `--initial-old-space-size=32` keeps V8's limit for
// the old generation at 32 MB or more. V8 starts a full GC once the old generation's objects,
// plus the Buffers allocated since the last full GC, come within the young generation's size
// of that limit, and it sets the limit only some 16 MB above what a full GC leaves (8 MB here):
// under load the socket reads' Buffers of a few scavenges got there, a full GC every 3,000 to
// 5,000 calls. With the floor it is one every 40,000, for no more peak RSS (docs/performance.md,
// "The old generation's floor"). `npm start`, `npm run demo`, `npx pmesh` and an installed
// `pmesh` run this file through that line; `node bin/pmesh.js` does not.
//
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
