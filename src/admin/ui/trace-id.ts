/**
 * The trace id a call carries, whichever propagation format its caller used: W3C
 * `traceparent` (version-traceid-spanid-flags), B3 single (`b3: traceid-spanid...`) or multi
 * header (`x-b3-traceid`), SOFATracer's `sofaTraceId` (Bolt request props, HTTP header).
 */
export function traceIdOf(attachments: Readonly<Record<string, string>> | undefined): string | undefined {
  if (!attachments) return undefined;
  for (const [key, value] of Object.entries(attachments)) {
    const name = key.toLowerCase();
    if (name === 'traceparent') return value.split('-')[1];
    if (name === 'b3') return value.split('-')[0];
    if (name === 'x-b3-traceid' || name === 'sofatraceid' || name === 'sofa-traceid' || name === 'rpc_trace_context.sofatraceid') return value;
  }
  return undefined;
}
