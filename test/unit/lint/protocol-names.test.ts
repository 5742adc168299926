/**
 * The lint rule that keeps protocol names out of the routing core
 * (scripts/lint/protocol-names.ts): it must catch a planted special case, in each
 * shape one takes, and find none in the tree as it is.
 */
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coveredFiles, findProtocolNames, lintProtocolNames, protocolNames } from '../../../scripts/lint/protocol-names.js';

const ROOT = join(import.meta.dirname, '../../..');
const NAMES = protocolNames(join(ROOT, 'src/codecs'));

function lines(text: string): number[] {
  return findProtocolNames('src/proxy/planted.ts', text, NAMES).map((finding) => finding.line);
}

describe('protocol-name lint', () => {
  it('knows every protocol folder and the names of protocols still to come', () => {
    for (const name of ['bolt', 'dubbo', 'http1', 'grpc', 'triple', 'sofarpc']) expect(NAMES.has(name)).toBe(true);
    expect(NAMES.has('hessian')).toBe(false);
  });

  it('catches a name comparison, a set of names, a template and a protocol-folder import', () => {
    const planted = [
      "import { dubboCodec } from '../codecs/dubbo/index.js';",
      "if (codec.name === 'dubbo') call();",
      "const ENTRIES = new Set([\"http1\", 'gRPC']);",
      'const kind = `triple`;',
      'const label = `${x}sofarpc${y}`;',
      "export { boltProtocol } from '../../codecs/bolt/plugin.js';",
    ].join('\n');
    expect(lines(planted)).toEqual([1, 2, 3, 3, 4, 5, 6]);
  });

  it('leaves comments, longer strings, identifiers and the registry import alone', () => {
    const clean = [
      "// a gRPC call passes through to 'grpc' clusters only",
      "import { getProtocol } from '../codecs/index.js';",
      "metrics.limitExceeded('grpc_max_message_bytes');",
      'const grpcLimits = options.grpc;',
      "const message = 'cluster speaks dubbo: no';",
    ].join('\n');
    expect(lines(clean)).toEqual([]);
  });

  it('covers src/proxy, src/control and src/main.ts', () => {
    const covered = coveredFiles(ROOT).map((file) => relative(ROOT, file));
    expect(covered).toContain('src/main.ts');
    expect(covered).toContain('src/control/sofa-mesh-server.ts');
    expect(covered).toContain('src/proxy/listeners/http2.ts');
    expect(covered.every((file) => /^src\/(proxy|control)\/|^src\/main\.ts$/.test(file))).toBe(true);
  });

  it('finds no protocol name in src/proxy, src/control or src/main.ts', () => {
    expect(lintProtocolNames(ROOT)).toEqual([]);
  });
});
