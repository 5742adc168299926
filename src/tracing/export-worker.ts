/**
 * The export thread's entry (a worker thread, started by export-thread.ts): sampled spans
 * arrive as records in batches, go through the SDK's batch processors and are exported from
 * here. Exporting beside the calls cost the sidecar more than the export's own work: the
 * exporters' HTTP client, its timers and streams ran through Node's shared stream, socket
 * and timer code with types the proxy's sockets never show, so V8 threw away and recompiled
 * the call path's optimised code after every export (docs/tracing.md, "The export thread").
 * In a thread of its own that code has its own type feedback, and its garbage its own heap.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { intoProcessors, type SpanRecord } from './exported-span.js';
import { exportProcessors, type ExportOptions } from './exporters.js';
import type { ExportThreadData, FromExportThread, ToExportThread } from './export-messages.js';

const { options, taken } = workerData as ExportThreadData;
const port = parentPort!;
const tell = (message: FromExportThread): void => port.postMessage(message);
const processors = exportProcessors(options as ExportOptions, (exporter, result, spans) => tell({ count: [exporter, result, spans] }));
const sink = intoProcessors(resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }), { name: 'pmesh' }, processors);
const handed = new Int32Array(taken);

port.on('message', (message: ToExportThread) => {
  if ('spans' in message) {
    for (const record of message.spans as SpanRecord[]) sink(record);
    Atomics.add(handed, 0, message.spans.length);
    return;
  }
  // Shut down: what the processors hold is sent (within the export timeout), then the thread is told it may end.
  void Promise.all(processors.map((processor) => processor.shutdown().catch(() => {}))).then(() => tell({ closed: true }));
});
