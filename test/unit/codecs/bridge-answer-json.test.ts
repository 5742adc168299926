/**
 * A returned string's JSON answer written straight from its Hessian bytes (BridgeCodec
 * answerJson): wherever a codec writes one, it must be the text the general path makes
 * (the value read, toJson, stringifyJson), and it must write one for the common case, a
 * plain ASCII string. Checked on replies captured from Java Dubbo 3.3.6 and SOFARPC 5.13,
 * and on strings of every length form and awkward character the codecs' own reply writer
 * gives (the general path reads those the same way: the reverse-bridge tests check it).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../../src/core/index.js';
import { EMPTY_CATALOG, stringifyJson, toJson, type BridgeCodec } from '../../../src/bridge/index.js';
import { boltCodec } from '../../../src/codecs/bolt/index.js';
import { dubboCodec } from '../../../src/codecs/dubbo/index.js';
import { golden as boltGolden } from './bolt/goldens.js';
import { golden as dubboGolden, goldenNames as dubboGoldenNames } from './dubbo/helpers.js';
import type { AnyCodec } from '../../../src/codecs/index.js';

const CODECS = [
  { name: 'dubbo', codec: dubboCodec as AnyCodec, request: dubboGolden('echo-request') },
  { name: 'bolt', codec: boltCodec as AnyCodec, request: boltGolden('v1-echo-request') },
];

function decodeOne(codec: AnyCodec, bytes: Buffer): unknown {
  const frames = codec.newDecoder(DEFAULT_LIMITS).push(bytes);
  if (frames.length !== 1) throw new Error(`expected one frame, got ${frames.length}`);
  return frames[0];
}

/** The answer the general path writes: the value read, as plain JSON. */
function generalAnswer(bridge: BridgeCodec<unknown>, reply: unknown): string | undefined {
  const result = bridge.result(reply, undefined, EMPTY_CATALOG);
  return result.kind === 'value' ? stringifyJson(toJson(result.value, { style: 'plain', bigLongs: 'wrapper' })) : undefined;
}

const BOLT_RESPONSES = ['v1-echo-response', 'v1-add-response', 'v1-addlong-response', 'v1-pojo-response', 'v1-exception-response', 'v1-noservice-response', 'v2-ver1-echo-response', 'v2-ver2-echo-response'];

describe('answerJson: replies from Java peers', () => {
  it.each(dubboGoldenNames().filter((name) => name.endsWith('-response') && !name.startsWith('heartbeat')))('dubbo %s: the general path\'s answer, or none', (name) => {
    const reply = decodeOne(dubboCodec as AnyCodec, dubboGolden(name));
    const direct = dubboCodec.bridge!.answerJson!(reply as never);
    if (direct !== undefined) expect(direct.toString('utf8')).toBe(generalAnswer(dubboCodec.bridge as BridgeCodec<unknown>, reply));
    if (name === 'echo-response' || name === 'echo-v200-response') expect(direct?.toString('utf8')).toBe(generalAnswer(dubboCodec.bridge as BridgeCodec<unknown>, reply));
  });

  it.each(BOLT_RESPONSES)('bolt %s: the general path\'s answer, or none', (name) => {
    const reply = decodeOne(boltCodec as AnyCodec, boltGolden(name));
    const direct = boltCodec.bridge!.answerJson!(reply as never);
    if (direct !== undefined) expect(direct.toString('utf8')).toBe(generalAnswer(boltCodec.bridge as BridgeCodec<unknown>, reply));
    if (name.includes('echo')) expect(direct?.toString('utf8')).toBe(generalAnswer(boltCodec.bridge as BridgeCodec<unknown>, reply));
  });
});

const PLAIN = ['', 'a', 'x'.repeat(31), 'x'.repeat(32), 'y'.repeat(1023), 'z'.repeat(1024), 'polyglot '.repeat(3000), '~\u007f!'];
const AWKWARD = ['say "hi"', 'back\\slash', 'line\nbreak', 'tab\t', '\u0000', 'caf\u00e9', '\u{1F600}', 'x'.repeat(40000), '\ud800'];

describe.each(CODECS)('answerJson: $name strings of every form', ({ codec, request }) => {
  const bridge = codec.bridge as BridgeCodec<unknown>;
  const replyTo = (text: string): unknown => {
    const frame = bridge.reply(decodeOne(codec, request), { kind: 'value', value: { kind: 'string', value: text } });
    return decodeOne(codec, Buffer.concat(codec.encode(frame)));
  };

  it.each(PLAIN.map((text) => [text.length, text] as const))('plain ASCII of %i units: written straight, as the general path writes it', (_length, text) => {
    const reply = replyTo(text);
    expect(bridge.answerJson!(reply)?.toString('utf8')).toBe(JSON.stringify(text));
    expect(generalAnswer(bridge, reply)).toBe(JSON.stringify(text));
  });

  it.each(AWKWARD.map((text) => [JSON.stringify(text.slice(0, 12)), text] as const))('%s: left to the general path', (_shown, text) => {
    expect(bridge.answerJson!(replyTo(text))).toBeUndefined();
  });

  it('a value that is no string (a long, null, an exception) is left to the general path', () => {
    const made = (outcome: Parameters<BridgeCodec<unknown>['reply']>[1]): unknown => decodeOne(codec, Buffer.concat(codec.encode(bridge.reply(decodeOne(codec, request), outcome))));
    expect(bridge.answerJson!(made({ kind: 'value', value: { kind: 'long', value: 1n << 60n } }))).toBeUndefined();
    expect(bridge.answerJson!(made({ kind: 'value', value: null }))).toBeUndefined();
    expect(bridge.answerJson!(made({ kind: 'exception', message: 'plain text' }))).toBeUndefined();
  });
});
