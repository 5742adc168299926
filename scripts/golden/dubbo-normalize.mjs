#!/usr/bin/env node
/**
 * Makes the Dubbo goldens reproducible: Dubbo numbers requests from a process-wide counter
 * that starts anywhere, and a provider's stack traces name the javassist wrapper class it
 * happened to generate (`EchoServiceImplDubboWrap0` or `...Wrap1`). Both change from run to
 * run, so `npm run golden:dubbo` would dirty the tree when nothing changed. This sets each
 * case's request id (its request and response alike) to a fixed number and the wrapper's
 * number to 0 (same length: nothing else moves). Everything else stays as the peers wrote it.
 *
 * Usage: node scripts/golden/dubbo-normalize.mjs [DIR]   (default test/golden/dubbo)
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const dir = resolve(process.argv[2] ?? 'test/golden/dubbo');
const WRAPPER = /DubboWrap\d(?!\d)/g;

const files = readdirSync(dir)
  .filter((name) => name.endsWith('.bin'))
  .sort();
const cases = [...new Set(files.map((name) => name.replace(/-(request|response)?\.bin$|\.bin$/, '')))].sort();

for (const name of files) {
  const path = join(dir, name);
  const frame = readFileSync(path);
  const id = cases.indexOf(name.replace(/-(request|response)?\.bin$|\.bin$/, '')) + 1;
  frame.writeBigInt64BE(BigInt(id), 4);
  // latin1 keeps every byte as one char, so the replacement cannot shift anything.
  const text = frame.toString('latin1').replace(WRAPPER, 'DubboWrap0');
  writeFileSync(path, Buffer.from(text, 'latin1'));
}
process.stdout.write(`normalized ${files.length} Dubbo frames in ${dir}\n`);
