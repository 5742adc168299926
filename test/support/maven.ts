/**
 * Java peers are Maven projects under clients/java/<name>. They are built on first
 * use and cached: the build is redone only when the pom or a source file changes
 * (a hash of them is kept beside the jar). A missing JDK or Maven fails the test
 * with what to install; it never skips.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
  const fresh = (): boolean => existsSync(stamp) && existsSync(classpathFile) && readFileSync(stamp, 'utf8') === hash;
  if (!fresh()) {
    requireTool('java', ['-version'], 'apt-get install -y openjdk-17-jdk-headless');
    requireTool('mvn', ['-v'], 'apt-get install -y maven');
    // Test files run in parallel processes: two Maven builds in one target/ corrupt each other
    // (seen as NoClassDefFoundError in a peer built twice at once), so one builds, the other waits.
    withBuildLock(join(dir, 'target'), () => {
      if (fresh()) return;
      execFileSync(
        'mvn',
        ['-q', '-B', 'package', 'dependency:build-classpath', '-DskipTests', `-Dmdep.outputFile=${classpathFile}`],
        { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'], timeout: BUILD_TIMEOUT_MS },
      );
      writeFileSync(stamp, hash);
    });
  }
  return `${join(dir, 'target/classes')}:${readFileSync(classpathFile, 'utf8').trim()}`;
}

const BUILD_TIMEOUT_MS = 20 * 60_000;

/** Runs `build` holding a lock directory in `targetDir` (mkdir is atomic); a lock older than a build's timeout is stale. */
function withBuildLock(targetDir: string, build: () => void): void {
  mkdirSync(targetDir, { recursive: true });
  const lock = join(targetDir, '.pmesh-build-lock');
  const until = Date.now() + BUILD_TIMEOUT_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > BUILD_TIMEOUT_MS) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > until) throw new Error(`waited ${BUILD_TIMEOUT_MS / 60_000} min for another build of ${targetDir}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    build();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
