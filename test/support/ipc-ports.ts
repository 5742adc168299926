import type { Port } from '../../src/workers/channel.js';

/** Two ports joined as the cluster IPC joins a primary and a worker: each message structured-cloned, delivered later. */
export function portPair(): [Port, Port] {
  const listeners: Array<Array<(message: unknown) => void>> = [[], []];
  const port = (to: number, own: number): Port => ({
    send: (message) => {
      const copy = structuredClone(message);
      setImmediate(() => listeners[to]!.forEach((listener) => listener(copy)));
    },
    onMessage: (listener) => listeners[own]!.push(listener),
  });
  return [port(1, 0), port(0, 1)];
}
