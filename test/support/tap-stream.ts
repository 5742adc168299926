import { EventEmitter } from 'node:events';

/** Stands in for the HTTP response of a tap's Server-Sent Events stream: keeps each event it is written, parsed. */
export class FakeTapResponse extends EventEmitter {
  writableLength = 0;
  readonly events: Array<Record<string, unknown>> = [];
  write(text: string): boolean {
    this.events.push(JSON.parse(text.slice('data: '.length)) as Record<string, unknown>);
    return true;
  }
  end(): void {}
}
