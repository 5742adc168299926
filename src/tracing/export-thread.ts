/**
 * The main thread's side of the export thread (export-worker.ts): a worker thread that
 * batches and exports the sampled spans, so that nothing of the export runs beside the
 * calls. Spans ended in one turn of the event loop go over in one message. The spans sent
 * and not yet taken by the thread are bounded by `queueSize` (a count the thread keeps in
 * shared memory), beyond which a span is dropped and counted, as the batch processor there
 * does with its own queue: a thread that falls behind never grows the sidecar.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger, SpanDropReason } from '../core/index.js';
import type { SpanRecord } from './exported-span.js';
import type { ExportThreadData, FromExportThread } from './export-messages.js';
import { exporterNames, type ExportOptions } from './exporters.js';
import type { SpanCounter } from './span-counts.js';

/**
 * The thread: built, this code is in a chunk in dist/chunks/ and the entry is
 * dist/tracing/export-worker.js (scripts/build.mjs). Run from the sources (no fresh build,
 * tests), the entry is the .ts file beside this one, loaded through tsx as the sidecar's
 * own sources are; tsx's loader registers itself on the main thread only, so the thread
 * registers it first (tsx's ES API, by the path its package exports it at).
 */
function startWorker(workerData: ExportThreadData): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('../tracing/export-worker.js', import.meta.url), { workerData });
  const tsxPackage = createRequire(import.meta.url).resolve('tsx/package.json');
  const api = pathToFileURL(join(dirname(tsxPackage), TSX_ESM_API)).href;
  const entry = new URL('./export-worker.ts', import.meta.url).href;
  return new Worker(`import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`, { eval: true, workerData });
}

/** Where tsx's package exports `tsx/esm/api` for `import` (createRequire would resolve its CommonJS one). */
const TSX_ESM_API = 'dist/esm/api/index.mjs';

export class ExportThread {
  readonly #worker: Worker;
  readonly #taken: Int32Array;
  readonly #queueSize: number;
  readonly #exporters: readonly string[];
  readonly #count: SpanCounter;
  readonly #closed: Promise<void>;
  #sent = 0;
  #pending: SpanRecord[] = [];
  #dead = false;

  constructor(options: ExportOptions, log: Logger, count: SpanCounter) {
    const taken = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
    this.#taken = new Int32Array(taken);
    this.#queueSize = options.queueSize;
    this.#exporters = exporterNames(options);
    this.#count = count;
    this.#worker = startWorker({ options, taken });
    // Never what keeps the sidecar running; shutdown() ends it.
    this.#worker.unref();
    let closed: () => void = () => {};
    this.#closed = new Promise((resolve) => (closed = resolve));
    this.#worker.on('message', (message: FromExportThread) => {
      if ('count' in message) count(...message.count);
      else closed();
    });
    this.#worker.on('error', (error) => log.error({ err: String(error) }, 'the trace export thread failed: sampled spans are dropped from now on'));
    this.#worker.on('exit', () => {
      this.#dead = true;
      closed();
    });
  }

  /** Takes an ended span (the recorder's sink); it is sent with the others ended in this turn. */
  readonly take = (record: SpanRecord): void => {
    if (this.#dead) return this.#drop('export_failed');
    if (this.#sent - Atomics.load(this.#taken, 0) + this.#pending.length >= this.#queueSize) return this.#drop('queue_full');
    if (this.#pending.length === 0) setImmediate(this.#flush);
    this.#pending.push(record);
  };

  /** Sends what is pending, lets the thread export what it holds (within `timeoutMs`), and ends it. */
  async shutdown(timeoutMs: number): Promise<void> {
    this.#flush();
    if (!this.#dead) this.#worker.postMessage({ shutdown: true });
    await Promise.race([this.#closed, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
    await this.#worker.terminate();
  }

  readonly #flush = (): void => {
    const spans = this.#pending;
    if (spans.length === 0) return;
    this.#pending = [];
    if (this.#dead) {
      for (let i = 0; i < spans.length; i++) this.#drop('export_failed');
      return;
    }
    this.#sent += spans.length;
    this.#worker.postMessage({ spans });
  };

  #drop(reason: SpanDropReason): void {
    for (const exporter of this.#exporters) this.#count(exporter, reason, 1);
  }
}
