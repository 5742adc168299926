/**
 * `pmesh demo --java`: the same EchoService on the real Java providers under clients/java
 * (Apache Dubbo 3.3.6 and SOFARPC 5.13.2), on the ports the Node providers use. Each Maven
 * project is built on first use (needs JDK 17 and Maven); the processes stop with the demo.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT, parseHostPort, type Logger } from '../core/index.js';
import { DEMO_PROVIDERS } from './providers.js';

const JAVA_ROOT = join(PACKAGE_ROOT, 'clients/java');
/** JDK 17 keeps java.base closed to reflection; the Hessian serializers need it opened. */
const OPENS = ['java.lang', 'java.math', 'java.util'].flatMap((pkg) => ['--add-opens', `java.base/${pkg}=ALL-UNNAMED`]);

const MAINS = { dubbo: { project: 'dubbo', main: 'com.example.dubbo.Provider', ready: /PROVIDER READY/ }, bolt: { project: 'sofarpc', main: 'com.example.Server', ready: /READY \d+/ } };

function classpath(project: string, log: Logger): string {
  const dir = join(JAVA_ROOT, project);
  const file = join(dir, 'target/classpath.txt');
  if (!existsSync(file) || !existsSync(join(dir, 'target/classes'))) {
    log.info({ project: `clients/java/${project}` }, 'building the Java provider (first run only; needs JDK 17 and Maven)');
    execFileSync('mvn', ['-q', '-B', 'package', 'dependency:build-classpath', '-DskipTests', `-Dmdep.outputFile=${file}`], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  return `${join(dir, 'target/classes')}:${readFileSync(file, 'utf8').trim()}`;
}

function waitReady(child: ChildProcess, ready: RegExp, what: string): Promise<void> {
  return new Promise((resolveReady, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start within 180 s:\n${seen.slice(-2000)}`)), 180_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (ready.test(seen)) {
        clearTimeout(timer);
        resolveReady();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}:\n${seen.slice(-2000)}`));
    });
  });
}

/** Starts the Java providers of the demo's services; resolves once both serve. */
export async function startJavaProviders(log: Logger): Promise<{ close(): Promise<void> }> {
  const children: ChildProcess[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      ),
    );
  };
  try {
    for (const provider of DEMO_PROVIDERS) {
      const { project, main, ready } = MAINS[provider.protocol];
      const port = String(parseHostPort(provider.address)!.port);
      const args = ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', ...OPENS, '-cp', classpath(project, log), main, port];
      const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      child.stderr?.resume();
      await waitReady(child, ready, `java ${main}`);
      log.info({ main, address: provider.address }, 'Java provider ready');
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { close };
}
