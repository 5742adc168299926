/**
 * The bridge's frame builders against frames captured from Java Dubbo 3.3.6: each
 * golden request is taken apart (method, descriptor, argument bytes, attachments) and
 * rebuilt; the result must be the captured bytes exactly. Responses likewise.
 */
import { describe, expect, it } from 'vitest';
import { buildRequest, buildResponse, readResponseBody, type DubboFrame } from '../../../../src/codecs/dubbo/index.js';
import { parseRequestBody } from '../../../../src/codecs/dubbo/body.js';
import { HessianScanner } from '../../../../src/codecs/hessian/scan.js';
import { decodeOne, golden, goldenNames } from './helpers.js';

const bytesOf = (frame: DubboFrame): Buffer => Buffer.concat([frame.header, frame.body]);
const idOf = (frame: DubboFrame): bigint => frame.header.readBigInt64BE(4);

/** The attachments exactly as written, if every value is a string; undefined otherwise. */
function stringEntries(body: Buffer, start: number, end: number): Array<[string, string]> | undefined {
  if (start < 0) return [];
  const scanner = new HessianScanner(body, start, end);
  const entries: Array<[string, string]> = [];
  while (scanner.remaining > 0) {
    if (!scanner.isString()) return undefined;
    const key = scanner.readString();
    if (!scanner.isString()) return undefined;
    entries.push([key, scanner.readString()]);
  }
  return entries;
}

const requests = goldenNames().filter((name) => name.endsWith('-request') && !name.startsWith('heartbeat') && !name.includes('v200') && name !== 'badrequest-request');

describe('buildRequest rebuilds Java 3.3.6 requests byte for byte', () => {
  it.each(requests)('%s', (name) => {
    const original = decodeOne(golden(name));
    const head = parseRequestBody(original.body, 64);
    const attachments = stringEntries(original.body, head.entriesStart, head.mapEnd);
    expect(attachments, `${name} has non-string attachments`).toBeDefined();
    const rebuilt = buildRequest({
      id: idOf(original),
      path: head.path,
      version: head.version,
      method: head.method,
      descriptor: head.descriptor,
      args: original.body.subarray(head.argsStart, head.argsEnd),
      attachments: attachments!,
    });
    expect(bytesOf(rebuilt).equals(golden(name))).toBe(true);
  });
});

const responses = goldenNames().filter((name) => name.endsWith('-response') && !name.startsWith('heartbeat') && !['badrequest-response', 'notfound-response'].includes(name));

describe('buildResponse rebuilds Java 3.3.6 responses byte for byte', () => {
  it.each(responses)('%s', (name) => {
    const original = decodeOne(golden(name));
    const view = readResponseBody(original);
    const value = original.body.subarray(view.valueStart, view.valueEnd);
    const withMap = view.flag >= 3;
    const mapStart = view.valueEnd + 1; // past 'H'
    const attachments = withMap ? stringEntries(original.body, mapStart, original.body.length - 1) : undefined;
    if (withMap) expect(attachments, `${name} has non-string attachments`).toBeDefined();
    const result =
      view.flag % 3 === 2 ? ({ kind: 'null' } as const)
      : view.status === 'exception' ? ({ kind: 'exception', exception: value } as const)
      : ({ kind: 'value', value } as const);
    const rebuilt = buildResponse(idOf(original), result, attachments);
    expect(bytesOf(rebuilt).equals(golden(name))).toBe(true);
  });
});
