/**
 * The request frames the RPC bench sends: Java-captured goldens (test/golden/...),
 * with only the echo argument swapped for a 1 KiB string and the length fields
 * patched. Everything else (class name, Bolt header map, SofaRequest object,
 * Dubbo path/version/attachments) stays byte-for-byte what the Java consumer wrote.
 * The new argument is written by the project's Hessian string writer, which follows
 * Java's Hessian2Output.writeString; each built frame is decoded back as a check.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_LIMITS } from '../../../src/core/limits.js';
import { boltCodec, frameContent } from '../../../src/codecs/bolt/index.js';
import { dubboCodec, readRequestHead, type DubboFrame } from '../../../src/codecs/dubbo/index.js';
import { hessianString } from '../../../src/codecs/hessian/byte-sink.js';
import { REPO_ROOT } from '../../support/maven.js';

/** 1,024 ASCII characters (so 1 KiB on the wire in both Hessian dialects). */
export const ARG_1KIB = 'polyglot-mesh bench argument. '.repeat(40).slice(0, 1024);

export const BOLT_GOLDEN = 'test/golden/bolt/v1-echo-request.bin';
export const DUBBO_GOLDEN = 'test/golden/dubbo/echo-request.bin';

export interface RequestTemplate {
  /** The whole frame; the id field is overwritten per call. */
  readonly bytes: Buffer;
  /** Where the golden came from, for the report. */
  readonly source: string;
}

function onlyFrame<F>(frames: F[], file: string): F {
  if (frames.length !== 1) throw new Error(`${file}: expected one whole frame, decoded ${frames.length}`);
  return frames[0] as F;
}

/** Bolt v1 echo(String) request from Java SOFARPC, argument replaced. */
export function boltEchoRequest(arg: string): RequestTemplate {
  const golden = readFileSync(join(REPO_ROOT, BOLT_GOLDEN));
  const frame = onlyFrame(boltCodec.newDecoder(DEFAULT_LIMITS).push(golden), BOLT_GOLDEN);
  const content = frameContent(frame);
  // The SofaRequest object comes first and the arguments follow it; echo's only
  // argument, "hi", is the last value of the stream (legacy dialect short string).
  const hi = Buffer.from([0x02, 0x68, 0x69]);
  if (!content.subarray(content.length - hi.length).equals(hi)) throw new Error(`${BOLT_GOLDEN}: content does not end with the string "hi"`);
  const newContent = Buffer.concat([content.subarray(0, content.length - hi.length), hessianString(arg)]);
  const head = Buffer.from(frame.head);
  head.writeInt32BE(newContent.length, 18); // v1 request contentLen offset (layout.ts V1_REQUEST)
  const bytes = Buffer.concat([head, frame.rest.subarray(0, frame.classLen + frame.headerLen), newContent]);
  const check = onlyFrame(boltCodec.newDecoder(DEFAULT_LIMITS).push(bytes), 'built bolt request');
  const body = boltCodec.decodeRequestBody(check);
  if (body.args.length !== 1 || body.args[0] !== arg) throw new Error('built bolt request does not decode to echo(arg)');
  return { bytes, source: `${BOLT_GOLDEN} (Java SOFARPC 5.13.2, Bolt v1, legacy Hessian) with the argument re-encoded to 1 KiB` };
}

/** Dubbo echo(String) request from Java Dubbo 3.3.6, argument replaced. */
export function dubboEchoRequest(arg: string): RequestTemplate {
  const golden = readFileSync(join(REPO_ROOT, DUBBO_GOLDEN));
  const frame = onlyFrame<DubboFrame>(dubboCodec.newDecoder(DEFAULT_LIMITS).push(golden), DUBBO_GOLDEN);
  const head = readRequestHead(frame);
  if (head.method !== 'echo' || head.argTypes.join() !== 'java.lang.String') throw new Error(`${DUBBO_GOLDEN}: not echo(String)`);
  const body = Buffer.concat([frame.body.subarray(0, head.argsStart), hessianString(arg), frame.body.subarray(head.argsEnd)]);
  const header = Buffer.from(frame.header);
  header.writeUInt32BE(body.length, 12); // body length (layout.ts OFFSET_LENGTH)
  const bytes = Buffer.concat([header, body]);
  const check = onlyFrame<DubboFrame>(dubboCodec.newDecoder(DEFAULT_LIMITS).push(bytes), 'built dubbo request');
  const checkHead = readRequestHead(check);
  if (!check.body.subarray(checkHead.argsStart, checkHead.argsEnd).equals(hessianString(arg))) {
    throw new Error('built dubbo request does not carry the argument');
  }
  return { bytes, source: `${DUBBO_GOLDEN} (Java Dubbo 3.3.6, hessian2) with the argument re-encoded to 1 KiB` };
}
