/** Launching the Java peers under clients/java as processes, stopped by pid. */
import { javaClasspath } from './maven.js';
import { freePort } from './ports.js';
import { startPeer, type Peer } from './process.js';

/** Starts `java -cp <project classpath> <mainClass> args...`. */
/**
 * JDK 17 keeps java.base closed to reflection; Hessian serializers (sofa-hessian for
 * BigInteger, Dubbo 2.7 for collections) need it opened, as their deployments on 17 do.
 */
export const JDK17_OPENS = ['java.lang', 'java.math', 'java.util'].flatMap((pkg) => ['--add-opens', `java.base/${pkg}=ALL-UNNAMED`]);

/** `jvmOptions` go before the class (system properties such as -Dpmesh.echo.delayMs=300). */
export function startJava(project: string, mainClass: string, args: readonly string[], name = mainClass, jvmOptions: readonly string[] = []): Peer {
  return startPeer(name, 'java', ['-Xss512k', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', ...JDK17_OPENS, ...jvmOptions, '-cp', javaClasspath(project), mainClass, ...args]);
}

export interface CliResult {
  /** RESULT lines by command name, in order: fields after the command name. */
  readonly results: Array<{ command: string; fields: string[] }>;
  readonly lines: string[];
  readonly output: string;
}

/**
 * Runs a client CLI that prints tab-separated `RESULT\t<cmd>\t...` lines and finally
 * `DONE`, and returns them parsed.
 */
export async function runJavaCli(project: string, mainClass: string, args: readonly string[], timeoutMs = 120_000, jvmOptions: readonly string[] = []): Promise<CliResult> {
  const peer = startJava(project, mainClass, args, `${project} client`, jvmOptions);
  try {
    await peer.waitFor(/^DONE$/m, timeoutMs);
  } finally {
    await peer.stop();
  }
  const lines = peer.output().split('\n');
  const results = lines
    .filter((line) => line.startsWith('RESULT\t'))
    .map((line) => {
      const [, command = '', ...fields] = line.split('\t');
      return { command, fields };
    });
  return { results, lines, output: peer.output() };
}

export interface JavaEchoServers {
  /** The Dubbo 3.3.6 provider (clients/java/dubbo): EchoService and TypesService, version 1.0.0. */
  readonly dubboPort: number;
  /** The SOFARPC 5.13.2 server (clients/java/sofarpc): EchoService and TypesService, version 1.0. */
  readonly sofaPort: number;
  stop(): Promise<void>;
}

/** Starts both Java servers side by side and waits until each serves. */
export async function startJavaEchoServers(): Promise<JavaEchoServers> {
  const [dubboPort, sofaPort] = [await freePort(), await freePort()];
  const dubbo = startJava('dubbo', 'com.example.dubbo.Provider', [String(dubboPort)], 'dubbo provider');
  const sofa = startJava('sofarpc', 'com.example.Server', [String(sofaPort)], 'sofarpc server');
  const stop = async (): Promise<void> => {
    await Promise.all([dubbo.stop(), sofa.stop()]);
  };
  try {
    await dubbo.waitFor(/PROVIDER READY/, 180_000);
    await sofa.waitFor(/READY \d+/, 180_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { dubboPort, sofaPort, stop };
}

/** One RESULT line of the Dubbo consumer CLIs (clients/java/dubbo and dubbo27). */
export interface DubboCallLine {
  call: string;
  outcome: 'ok' | 'exception' | 'timeout' | 'error';
  value?: unknown;
  type?: string;
  message?: string;
}

/**
 * Runs a Dubbo consumer CLI (3.3.6, or 2.7.23 with `dubbo27`) to its DONE line and returns
 * its RESULT lines and whole output. `jvmOptions` such as -Dpmesh.tls.trust=FILE (Dubbo's own TLS).
 */
export async function runDubboConsumer(
  args: readonly string[],
  project: 'dubbo' | 'dubbo27' = 'dubbo',
  jvmOptions: readonly string[] = [],
): Promise<{ results: DubboCallLine[]; output: string }> {
  const peer = startJava(project, `com.example.${project}.Consumer`, args, `${project} consumer`, jvmOptions);
  try {
    await peer.waitFor(/DONE ok=\d+ failed=\d+/, 120_000);
  } finally {
    await peer.stop();
  }
  const output = peer.output();
  const results = output
    .split('\n')
    .filter((line) => line.startsWith('RESULT '))
    .map((line) => JSON.parse(line.slice(7)) as DubboCallLine);
  return { results, output };
}
