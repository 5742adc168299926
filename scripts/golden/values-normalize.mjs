#!/usr/bin/env node
/**
 * Makes the values goldens reproducible: Dubbo's service definition names the folder the
 * classes were loaded from (`codeSource`, `uniqueId`), which is wherever this repository is
 * checked out. It is written as `file:/polyglot-mesh/...` instead, so `npm run golden:values`
 * gives the same file in every checkout.
 *
 * Usage: node scripts/golden/values-normalize.mjs [DIR]   (default test/golden/values)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const dir = resolve(process.argv[2] ?? join(root, 'test/golden/values'));
const path = join(dir, 'service-definition.json');
const text = readFileSync(path, 'utf8');
writeFileSync(path, text.split(`file:${root}/`).join('file:/polyglot-mesh/'));
process.stdout.write(`normalized ${path}\n`);
