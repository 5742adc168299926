/**
 * HPACK Huffman decoding (RFC 7541 section 5.2): a binary trie walked bit by bit, built
 * once from the code table. Header strings on a gRPC call are short and most arrive as
 * dynamic-table indexes after the first call, so the simple walk is cheap enough. The
 * relay never Huffman-encodes: literal strings are valid and cost only a few bytes.
 */
import { ErrorCode, Http2ProtocolError } from './frames.js';
import { HUFFMAN_CODES, HUFFMAN_LENGTHS } from './huffman-table.js';

/** Node n's children are at 2n and 2n+1: a positive value is the next node, a negative one the symbol -(value+1), 0 no child. */
const trie = buildTrie();

function buildTrie(): Int32Array {
  const nodes = new Int32Array(2 * 512);
  let used = 1;
  for (let symbol = 0; symbol < 256; symbol++) {
    const code = HUFFMAN_CODES[symbol]!;
    const bits = HUFFMAN_LENGTHS[symbol]!;
    let node = 0;
    for (let i = bits - 1; i > 0; i--) {
      const slot = 2 * node + ((code >>> i) & 1);
      if (nodes[slot] === 0) nodes[slot] = used++;
      node = nodes[slot]!;
    }
    nodes[2 * node + (code & 1)] = -(symbol + 1);
  }
  return nodes;
}

const decoder = new TextDecoder('latin1');
let scratch = Buffer.allocUnsafe(256);

/** The string coded in `bytes` (latin1: one character per byte, as header values are). */
export function huffmanDecode(bytes: Buffer, start: number, end: number): string {
  // Huffman codes are at least 5 bits, so the text is at most 8/5 the coded length.
  const most = Math.ceil(((end - start) * 8) / 5);
  if (scratch.length < most) scratch = Buffer.allocUnsafe(most * 2);
  let out = 0;
  let node = 0;
  let depth = 0;
  let ones = true;
  for (let at = start; at < end; at++) {
    const byte = bytes[at]!;
    for (let bit = 7; bit >= 0; bit--) {
      const b = (byte >>> bit) & 1;
      const next = trie[2 * node + b]!;
      if (next < 0) {
        scratch[out++] = -next - 1;
        node = 0;
        depth = 0;
        ones = true;
      } else if (next === 0) {
        throw new Http2ProtocolError(ErrorCode.COMPRESSION_ERROR, 'invalid Huffman code (EOS in a string)');
      } else {
        node = next;
        depth += 1;
        ones &&= b === 1;
      }
    }
  }
  // What is left must be padding: fewer than 8 bits, all ones (the start of EOS).
  if (depth > 7 || !ones) throw new Http2ProtocolError(ErrorCode.COMPRESSION_ERROR, 'invalid Huffman padding');
  return decoder.decode(scratch.subarray(0, out));
}
