#!/usr/bin/env node
/**
 * Makes the Java Bolt goldens reproducible: a real SOFARPC client numbers its requests in
 * the order its connections happen to send them, and its tracer stamps each request with a
 * trace id made of the host's address, the time and the process id. Both change on every
 * run, so `npm run golden:bolt` would dirty the tree when nothing changed. This rewrites, in
 * the captured frames only, each case's request id to a fixed number (the request and its
 * response alike) and the trace id's address, time and pid to fixed digits, then fixes the
 * header length and the CRC32 trailer to match. Everything else stays as the peers wrote it.
 *
 * Usage: node scripts/golden/bolt-normalize.mjs [DIR]   (default test/golden/bolt)
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const dir = resolve(process.argv[2] ?? 'test/golden/bolt');

/** Fixed request ids, one per case (a request and its response share theirs). */
const IDS = {
  'v1-echo': 1,
  'v1-add': 2,
  'v1-addlong': 3,
  'v1-pojo': 4,
  'v1-exception': 5,
  'v1-noservice': 6,
  'v1-heartbeat': 7,
  'v2-heartbeat': 8,
  'v2-ver2-echo': 9,
  'v2-ver1-echo': 10,
};
const TRACE_KEY = 'rpc_trace_context.sofaTraceId';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** SOFARPC's trace id: 8 hex digits of IP, 13 digits of ms, 4 of sequence, then the pid (any length). */
function fixedTraceId(traceId) {
  const sequence = traceId.slice(21, 25);
  return `7f000001${'1700000000000'}${sequence}42424`;
}

/**
 * The content (the SofaRequest's requestProps) carries the trace id again, as a compact
 * Hessian string (one length byte, 0-31): replaced with its length byte, the content
 * length adjusted.
 */
function replaceCompactString(content, from, to) {
  const wanted = Buffer.from(from, 'utf8');
  const replacement = Buffer.concat([Buffer.from([to.length]), Buffer.from(to, 'utf8')]);
  const parts = [];
  let start = 0;
  for (let at = content.indexOf(wanted); at !== -1; at = content.indexOf(wanted, at + wanted.length)) {
    if (content[at - 1] !== wanted.length || to.length > 31) throw new Error(`trace id ${from} is not a compact Hessian string`);
    parts.push(content.subarray(start, at - 1), replacement);
    start = at + wanted.length;
  }
  parts.push(content.subarray(start));
  return Buffer.concat(parts);
}

function readHeader(bytes) {
  const entries = [];
  for (let at = 0; at < bytes.length; ) {
    const keyLength = bytes.readInt32BE(at);
    const key = bytes.subarray(at + 4, at + 4 + keyLength).toString('utf8');
    at += 4 + keyLength;
    const valueLength = bytes.readInt32BE(at);
    const value = bytes.subarray(at + 4, at + 4 + valueLength).toString('utf8');
    at += 4 + valueLength;
    entries.push([key, value]);
  }
  return entries;
}

function writeHeader(entries) {
  const parts = [];
  for (const [key, value] of entries) {
    for (const text of [key, value]) {
      const bytes = Buffer.from(text, 'utf8');
      const length = Buffer.alloc(4);
      length.writeInt32BE(bytes.length);
      parts.push(length, bytes);
    }
  }
  return Buffer.concat(parts);
}

function normalize(frame, id) {
  const v1 = frame[0] === 1;
  const response = v1 ? frame[1] === 0 : frame[2] === 0;
  const idAt = v1 ? 5 : 6;
  const fixed = v1 ? (response ? 20 : 22) : response ? 22 : 24;
  const lengthsAt = v1 ? (response ? 12 : 14) : response ? 14 : 16;
  const classLength = frame.readUInt16BE(lengthsAt);
  const headerLength = frame.readUInt16BE(lengthsAt + 2);
  const contentLength = frame.readInt32BE(lengthsAt + 4);
  const crc = !v1 && frame[1] === 2 && (frame[11] & 1) === 1;

  const head = Buffer.from(frame.subarray(0, fixed + classLength));
  head.writeInt32BE(id, idAt);
  let content = frame.subarray(fixed + classLength + headerLength, fixed + classLength + headerLength + contentLength);
  const entries = readHeader(frame.subarray(fixed + classLength, fixed + classLength + headerLength)).map(([key, value]) => {
    if (key !== TRACE_KEY) return [key, value];
    const stable = fixedTraceId(value);
    content = replaceCompactString(content, value, stable);
    return [key, stable];
  });
  const header = writeHeader(entries);
  head.writeUInt16BE(header.length, lengthsAt + 2);
  head.writeInt32BE(content.length, lengthsAt + 4);
  const body = Buffer.concat([head, header, content]);
  if (!crc) return body;
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(crc32(body));
  return Buffer.concat([body, trailer]);
}

let count = 0;
for (const name of readdirSync(dir).sort()) {
  const match = /^(v[12]-.+)-(request|response)\.bin$/.exec(name);
  if (!match) continue;
  const id = IDS[match[1]];
  if (id === undefined) throw new Error(`${name}: no fixed request id for case ${match[1]}; add it to IDS`);
  const path = join(dir, name);
  writeFileSync(path, normalize(readFileSync(path), id));
  count++;
}
process.stdout.write(`normalized ${count} Java frames in ${dir}\n`);
