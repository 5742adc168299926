#!/usr/bin/env node
/**
 * Bolt golden frames from the real Java peers: builds clients/java/sofarpc with Maven
 * and runs com.example.GoldenGen (SOFARPC server + client with a capturing relay).
 *
 * Usage: node scripts/golden/bolt-java.mjs [OUT_DIR]   (default test/golden/bolt)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const project = join(root, 'clients/java/sofarpc');
const out = resolve(process.argv[2] ?? join(root, 'test/golden/bolt'));
const cpFile = join(project, 'target/classpath.txt');

execFileSync('mvn', ['-q', '-B', 'package', 'dependency:build-classpath', '-DskipTests', `-Dmdep.outputFile=${cpFile}`], {
  cwd: project,
  stdio: 'inherit',
});
const classpath = `${join(project, 'target/classes')}:${readFileSync(cpFile, 'utf8').trim()}`;
execFileSync('java', ['-cp', classpath, 'com.example.GoldenGen', out], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 120_000 });
