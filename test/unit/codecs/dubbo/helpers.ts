/** Shared helpers for the Dubbo codec tests: golden files and an independent hessian2 reader (hessian.js). */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DEFAULT_LIMITS } from '../../../../src/core/index.js';
import { dubboCodec, type DubboFrame } from '../../../../src/codecs/dubbo/index.js';

export const GOLDEN_DIR = join(import.meta.dirname, '../../../golden/dubbo');

export function golden(name: string): Buffer {
  return readFileSync(join(GOLDEN_DIR, `${name}.bin`));
}

export function goldenNames(): string[] {
  return readdirSync(GOLDEN_DIR)
    .filter((f) => f.endsWith('.bin'))
    .map((f) => f.slice(0, -4))
    .sort();
}

/** Decodes exactly one frame from the bytes, failing otherwise. */
export function decodeOne(bytes: Buffer): DubboFrame {
  const decoder = dubboCodec.newDecoder(DEFAULT_LIMITS);
  const frames = decoder.push(bytes);
  if (frames.length !== 1 || decoder.buffered !== 0) throw new Error(`expected one frame, got ${frames.length} (+${decoder.buffered} bytes)`);
  return frames[0] as DubboFrame;
}

export const concat = (parts: Buffer[]): Buffer => Buffer.concat(parts);

interface HessianDecoder {
  read(): unknown;
  byteBuffer: { position(): number };
}
interface HessianJs {
  DecoderV2: new (buf: Buffer) => HessianDecoder;
}

/** hessian.js 2.11 (not our code) as the independent reader of hessian2 values. */
export const hessian = createRequire(import.meta.url)('hessian.js') as HessianJs;

/** Reads every top-level value of a hessian2 stream with hessian.js. */
export function hessianValues(bytes: Buffer, count: number): unknown[] {
  const decoder = new hessian.DecoderV2(bytes);
  const values: unknown[] = [];
  for (let i = 0; i < count; i++) values.push(decoder.read());
  return values;
}

interface HessianEncoder {
  write(value: unknown): HessianEncoder;
  get(): Buffer;
}
const Encoder = (hessian as unknown as { EncoderV2: new () => HessianEncoder }).EncoderV2;

/** hessian2 bytes of consecutive values, written by hessian.js (test inputs only, never goldens). */
export function hessianBytes(...values: unknown[]): Buffer {
  const encoder = new Encoder();
  for (const value of values) encoder.write(value);
  return Buffer.from(encoder.get());
}

/** A frame around `body`: flag, status, id 1, the body's length. */
export function frameBytes(flag: number, body: Buffer, status = 0, length = body.length): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt16BE(0xdabb, 0);
  header[2] = flag;
  header[3] = status;
  header.writeBigUInt64BE(1n, 4);
  header.writeUInt32BE(length, 12);
  return Buffer.concat([header, body]);
}
