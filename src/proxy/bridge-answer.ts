/**
 * What the bridge steps share about an answer: reading one that streams back as text
 * (bounded: the bridge's body limit applies both ways), and writing a JSON answer as the
 * Result the caller's listener sends.
 */
import { MeshError, type Result } from '../core/index.js';

const JSON_HEADERS = ['content-type', 'application/json'] as const;

/** A JSON answer's Result: these bytes, with its content type and length. */
export function jsonBytesResult(status: number, outcome: Result['status'], bytes: Buffer): Result {
  return {
    status: outcome,
    protocolStatus: status,
    attachments: {},
    rawHeaders: [...JSON_HEADERS, 'content-length', String(bytes.length)],
    body: { kind: 'raw', serialization: 0, bytes },
  };
}

/** Whose answer it is and which setting bounds it, for the error a caller reads. */
export interface AnswerLimit {
  readonly maxBytes: number;
  /** "the provider's answer", "the app's answer". */
  readonly what: string;
  /** The config field that sets `maxBytes`, if one does. */
  readonly field?: string;
  /** Told when the limit is hit (metrics). */
  readonly onLimit?: (limit: string) => void;
}

/** An answer's body as text, at most `limit.maxBytes`; past that the stream is destroyed and the call fails saying so. */
export async function readAnswerText(result: Result, limit: AnswerLimit): Promise<string> {
  if (result.body.kind === 'raw') return result.body.bytes.toString('utf8');
  if (result.body.kind !== 'stream') return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of result.body.stream) {
    size += (chunk as Buffer).length;
    if (size > limit.maxBytes) {
      result.body.stream.destroy();
      limit.onLimit?.('bridge_max_body_bytes');
      const field = limit.field ? ` (${limit.field})` : '';
      throw new MeshError('PMESH_UPSTREAM_BAD_RESPONSE', `${limit.what} exceeds ${limit.maxBytes} bytes${field}`, { details: { limit: 'bridge_max_body_bytes' } });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}
