/**
 * Java peers are Maven projects under clients/java/<name>. They are built on first
 * use and cached: the build is redone only when the pom or a source file changes
 * (a hash of them is kept beside the jar). A missing JDK or Maven fails the test
 * with what to install; it never skips.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** Folders of clients/java that hold no project, only sources other projects compile in. */
const SHARED_SOURCES = ['types', 'dubbo-api'];

function sourceHash(dir: string): string {
  const hash = createHash('sha256');
  const walk = (path: string): void => {
    for (const name of readdirSync(path).sort()) {
      if (name === 'target') continue;
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(full);
      else hash.update(full).update(readFileSync(full));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

function requireTool(command: string, args: string[], install: string): void {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
  } catch {
    throw new Error(`${command} is required for the interop tests and was not found: ${install}`);
  }
}

/**
 * Builds clients/java/<project> if needed and returns the classpath (the project's
 * classes plus its dependencies), for `java -cp <classpath> <main class>`.
 */
export function javaClasspath(project: string): string {
  const dir = join(REPO_ROOT, 'clients/java', project);
  const stamp = join(dir, 'target/.pmesh-build-hash');
  const classpathFile = join(dir, 'target/classpath.txt');
  // Shared source folders compiled into several peers (build-helper add-source).
  const hash = [dir, ...SHARED_SOURCES.map((shared) => join(REPO_ROOT, 'clients/java', shared))].map(sourceHash).join('');
  const fresh = existsSync(stamp) && existsSync(classpathFile) && readFileSync(stamp, 'utf8') === hash;
  if (!fresh) {
    requireTool('java', ['-version'], 'apt-get install -y openjdk-17-jdk-headless');
    requireTool('mvn', ['-v'], 'apt-get install -y maven');
    execFileSync(
      'mvn',
      ['-q', '-B', 'package', 'dependency:build-classpath', '-DskipTests', `-Dmdep.outputFile=${classpathFile}`],
      { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'], timeout: 20 * 60_000 },
    );
    writeFileSync(stamp, hash);
  }
  return `${join(dir, 'target/classes')}:${readFileSync(classpathFile, 'utf8').trim()}`;
}
