/**
 * A stand-in for the net.Socket the HTTP/1 listener's byte path (src/proxy/listeners/
 * http1-caller.ts) reads from and writes to: what was written, as latin1 text; whether it
 * was paused, ended or destroyed. Bytes are fed by emitting 'data' on it.
 */
import { EventEmitter } from 'node:events';

export class FakeCallerSocket extends EventEmitter {
  readonly remoteAddress = '127.0.0.1';
  written = '';
  destroyed = false;
  ended = false;
  paused = false;
  write(data: string | Buffer): boolean {
    this.written += typeof data === 'string' ? data : data.toString('latin1');
    return true;
  }
  cork(): void {}
  uncork(): void {}
  pause(): this {
    this.paused = true;
    return this;
  }
  resume(): this {
    this.paused = false;
    return this;
  }
  destroySoon(): void {
    this.ended = true;
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }
}
