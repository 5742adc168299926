/**
 * The little Hessian the sidecar itself writes: a SofaResponse carrying a mesh-made
 * error (localReply). It is written in the dialect the caller used, because each peer
 * reliably reads what it writes: Java SOFARPC 5.13 and sofa-bolt-node's default speak
 * the legacy dialect, sofa-bolt-node with hessianVersion 4.0 the final one.
 */
import type { HessianDialect } from '../hessian/values.js';
import { SOFA_RESPONSE_CLASS } from './sofa-body.js';

/** Hessian string bytes: UTF-16 units, each as 1-3 bytes (CESU-8, docs/protocols.md). */
export function cesu8(text: string): Buffer {
  const out = Buffer.allocUnsafe(text.length * 3);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) out[n++] = c;
    else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
    } else {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    }
  }
  return out.subarray(0, n);
}

/** Compact int for 0..47, else the 5-byte form; both dialects share these codes. */
export function int(value: number): Buffer {
  if (value >= -16 && value <= 47) return Buffer.of(0x90 + value);
  const out = Buffer.alloc(5);
  out[0] = 0x49;
  out.writeInt32BE(value, 1);
  return out;
}

/** A string no longer than 0xffff units: short form, or one final `S` chunk. */
export function string(text: string): Buffer {
  const units = text.slice(0, 0xffff);
  const bytes = cesu8(units);
  if (units.length <= 31) return Buffer.concat([Buffer.of(units.length), bytes]);
  const head = Buffer.alloc(3);
  head[0] = 0x53;
  head.writeUInt16BE(units.length, 1);
  return Buffer.concat([head, bytes]);
}

const RESPONSE_FIELDS = ['isError', 'errorMsg', 'appResponse', 'responseProps'];

/** SofaResponse{isError=true, errorMsg, appResponse=null, responseProps=null}. */
export function encodeSofaErrorResponse(errorMsg: string, dialect: HessianDialect): Buffer {
  const values = [Buffer.of(0x54), string(errorMsg), Buffer.of(0x4e), Buffer.of(0x4e)];
  if (dialect === 'final') {
    return Buffer.concat([
      Buffer.of(0x43),
      string(SOFA_RESPONSE_CLASS),
      int(RESPONSE_FIELDS.length),
      ...RESPONSE_FIELDS.map(string),
      Buffer.of(0x60),
      ...values,
    ]);
  }
  return Buffer.concat([
    Buffer.of(0x4f),
    int(SOFA_RESPONSE_CLASS.length),
    cesu8(SOFA_RESPONSE_CLASS),
    int(RESPONSE_FIELDS.length),
    ...RESPONSE_FIELDS.map(string),
    Buffer.of(0x6f, 0x90),
    ...values,
  ]);
}
