/**
 * One probe's conversation with a peer: connect, write some bytes, read until the answer
 * is recognised, the peer closes, or the time is up. Never throws: every outcome is data.
 */
import { connect } from 'node:net';

export interface Exchange {
  /** What came back before the decision (possibly nothing). */
  readonly reply: Buffer;
  /** Milliseconds from the write to the recognised answer. */
  readonly rttMs?: number;
  /** Why no answer was recognised: 'timeout', 'closed', or the connect error. */
  readonly failure?: string;
  readonly connected: boolean;
}

/** `done(chunk, received)` says when the answer is complete (true) or can never be (false); undefined: read on. */
export function exchange(
  host: string, port: number, request: Buffer, done: (chunk: Buffer, received: Buffer) => boolean | undefined, timeoutMs: number,
): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let received = Buffer.alloc(0);
    let connected = false;
    let sentAt = 0;
    let settled = false;
    const finish = (result: Omit<Exchange, 'reply' | 'connected'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...result, reply: received, connected });
    };
    const timer = setTimeout(() => finish({ failure: connected ? 'timeout' : 'connect timeout' }), timeoutMs);
    socket.once('connect', () => {
      connected = true;
      sentAt = performance.now();
      socket.write(request);
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length > 64 * 1024) return finish({ failure: 'answer too long' });
      const verdict = done(chunk, received);
      if (verdict === true) finish({ rttMs: performance.now() - sentAt });
      else if (verdict === false) finish({ failure: 'unrecognised answer' });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => finish({ failure: error.code ?? error.message }));
    socket.once('close', () => finish({ failure: 'closed' }));
  });
}
