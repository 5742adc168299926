/** The npm dubbo2.js consumer, as the interop tests use it against com.example.EchoService 1.0.0. */
import { createRequire } from 'node:module';

export type Dubbo2Answer = Promise<{ res: unknown; err: unknown }>;

export interface EchoProxy {
  echo(text: string): Dubbo2Answer;
  add(a: number, b: number): Dubbo2Answer;
  fail(reason: string): Dubbo2Answer;
  sleep(ms: number): Dubbo2Answer;
}

interface Dubbo2Instance {
  proxyService<T>(options: { dubboInterface: string; version: string; timeout: number; methods: Record<string, (...args: never[]) => unknown[]> }): T;
  _socketWorker?: { _retry: number; _socket?: { destroy(): void } };
}

interface Dubbo2Js {
  DirectlyDubbo: { from(options: { dubboAddress: string; dubboVersion: string; dubboInvokeTimeout: number }): Dubbo2Instance };
  java: { String(v: string): unknown; int(v: number): unknown };
}

/** A dubbo2.js EchoService proxy on 127.0.0.1:port; `close` stops its reconnecting for good. */
export function dubbo2js(port: number, timeoutMs = 10_000): { echo: EchoProxy; close(): void } {
  const { DirectlyDubbo, java } = createRequire(import.meta.url)('dubbo2.js') as Dubbo2Js;
  // dubboInvokeTimeout is in seconds and has no default (NaN fails every call at once).
  const dubbo = DirectlyDubbo.from({ dubboAddress: `127.0.0.1:${port}`, dubboVersion: '2.0.2', dubboInvokeTimeout: 10 });
  const echo = dubbo.proxyService<EchoProxy>({
    dubboInterface: 'com.example.EchoService',
    version: '1.0.0',
    timeout: timeoutMs,
    methods: {
      echo: (text: string) => [java.String(text)],
      add: (a: number, b: number) => [java.int(a), java.int(b)],
      fail: (reason: string) => [java.String(reason)],
      sleep: (ms: number) => [java.int(ms)],
    },
  });
  return {
    echo,
    // dubbo2.js reconnects forever unless told not to; stop it and drop its socket.
    close() {
      const worker = dubbo._socketWorker;
      if (!worker) return;
      worker._retry = 0;
      worker._socket?.destroy();
    },
  };
}

/**
 * `total` echo calls through dubbo2.js to 127.0.0.1:port, `concurrency` at a time, each answer
 * checked against its text; `during` is told how many have ended after each one. Returns the failures.
 */
export async function echoLoad(
  port: number,
  total: number,
  concurrency: number,
  text: (i: number) => string = (i) => `call-${i}`,
  during?: (done: number) => Promise<void> | void,
): Promise<unknown[]> {
  const client = dubbo2js(port, 20_000);
  let next = 0;
  let done = 0;
  const failures: unknown[] = [];
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) {
          const i = next++;
          const { res, err } = await client.echo.echo(text(i));
          if (err || res !== text(i)) failures.push(err ?? res);
          done += 1;
          await during?.(done);
        }
      }),
    );
  } finally {
    client.close();
  }
  return failures;
}
