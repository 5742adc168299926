/**
 * Java reads what we write: every golden value case, encoded by polyglot-mesh in both
 * dialects with our own choices (POJO fields in declaration order, where hessian-lite
 * writes them reversed; values built from plain JSON by declared types), is read back by
 * the real deserializers (Dubbo 3.3.6 Hessian2ObjectInput, sofa-hessian 3.5.5
 * Hessian2Input; clients/java/values-golden ValuesCheck), and Java's description of it
 * equals Java's description of the golden bytes Java itself wrote.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeJavaValues } from '../../src/codecs/hessian/java-values.js';
import { runtimeException } from '../../src/bridge/bridge-codec.js';
import { ClassPolicy } from '../../src/bridge/class-policy.js';
import { fromJson } from '../../src/bridge/values-json.js';
import { typesFromDubboDefinition } from '../../src/bridge/schema-dubbo.js';
import type { JavaValue } from '../../src/bridge/values.js';
import { javaClasspath } from '../support/maven.js';
import { V, VALUES_DIR, cases, catalog } from '../support/value-goldens.js';

const DIALECTS = { dubbo: 'final', sofa: 'legacy' } as const;
type Peer = keyof typeof DIALECTS;

/** The same values as some golden cases, built from plain JSON and the declared type. */
const FROM_JSON: { name: string; type: string; json: unknown }[] = [
  { name: 'pojo_nested', type: `${V}Order`, json: {
    customer: { name: 'Ada', id: '9007199254740993', address: { city: 'London', zip: 12345 }, color: 'BLUE' },
    total: '123456789012345678901234.567890', created: '2024-01-01T00:00:00.123Z', notes: ['first', null] } },
  { name: 'pojo_primitives', type: `${V}Primitives`, json: { z: true, b: -7, s: 12345, c: 'x', i: 42, j: '9223372036854775807', f: 1.5, d: 0.1 } },
  { name: 'map_long_keys', type: 'java.util.Map<Long,String>', json: { $entries: [[1, 'one'], ['9007199254740993', 'big']] } },
  { name: 'enum_list', type: `java.util.List<${V}Color>`, json: ['GREEN', 'BLUE', 'GREEN'] },
  { name: 'biginteger', type: 'java.math.BigInteger', json: '123456789012345678901234567890' },
  { name: 'array_customer', type: `${V}Customer[]`, json: [{ name: 'a', id: 1, color: 'RED' }] },
  { name: 'set_tree', type: 'java.util.TreeSet<String>', json: ['a', 'b'] },
  { name: 'date_ms', type: 'java.util.Date', json: 1704067200123 },
  { name: 'bytes_3', type: 'byte[]', json: 'AQL/' },
  { name: 'array_long', type: 'long[]', json: [1, '9007199254740993'] },
];

const metadata = typesFromDubboDefinition(JSON.parse(readFileSync(join(VALUES_DIR, 'service-definition.json'), 'utf8'))).catalog;
let dir = '';
const described = new Map<string, string>();

function describeAll(peer: Peer, files: string[]): void {
  const out = execFileSync('java', ['-cp', javaClasspath('values-golden'), 'com.example.values.ValuesCheck', peer, ...files], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 120_000, maxBuffer: 64 * 1024 * 1024,
  });
  for (const line of out.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab > 0) described.set(line.slice(0, tab), line.slice(tab + 1));
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pmesh-values-'));
  const policy = new ClassPolicy({ allow: [V] });
  for (const peer of Object.keys(DIALECTS) as Peer[]) {
    const files: string[] = [];
    const write = (name: string, value: JavaValue): void => {
      const file = join(dir, `${name}.${peer}.bin`);
      const dubbo = peer === 'dubbo' && !name.startsWith('decl-');
      writeFileSync(file, encodeJavaValues([value], { dialect: DIALECTS[peer], reverseFields: dubbo, floatFieldsFirst: dubbo }));
      files.push(file);
    };
    for (const c of cases) {
      const golden = join(VALUES_DIR, `${c.name}.${peer}.bin`);
      if (!existsSync(golden)) continue;
      files.push(golden);
      write(`ours-${c.name}`, c.value);
    }
    for (const j of FROM_JSON) write(`json-${j.name}`, fromJson(j.json, j.type, { policy, catalog }));
    // The same with the types a Dubbo provider publishes (property order is not field order there).
    for (const j of FROM_JSON) write(`meta-${j.name}`, fromJson(j.json, j.type, { policy, catalog: metadata }));
    write('exception', runtimeException('boom from Python'));
    const primitives = cases.find((c) => c.name === 'pojo_primitives');
    if (primitives) write('decl-pojo_primitives', primitives.value);
    describeAll(peer, files);
  }
}, 600_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('hessian-lite 4.0.4 (Dubbo 3.3.6) and primitive float fields', () => {
  it('Java cannot read its own float field back, and a float field written before its neighbours clobbers them', () => {
    // Java wrote Primitives{f = 1.5f} and reads f = 0.0: the float is stored with 8 bytes.
    expect(described.get(join(VALUES_DIR, 'pojo_primitives.dubbo.bin'))).toContain('f=Float:0.0');
    // In declaration order the 8-byte store lands on c and s, read before it: why the Dubbo writer reverses fields.
    const declared = described.get(join(dir, 'decl-pojo_primitives.dubbo.bin')) ?? '';
    expect(declared).toContain('s=Short:0');
    expect(declared).not.toContain('c=Character:x');
  });
});

for (const peer of Object.keys(DIALECTS) as Peer[]) {
  describe(`${peer === 'dubbo' ? 'Dubbo 3.3.6' : 'sofa-hessian 3.5.5'} reads our ${DIALECTS[peer]}-dialect bytes as it reads its own`, () => {
    for (const c of cases) {
      it(c.name, () => {
        const golden = described.get(join(VALUES_DIR, `${c.name}.${peer}.bin`));
        if (golden === undefined) return; // no golden: Java could not write it (BigInteger on sofa-hessian)
        expect(golden).not.toMatch(/^ERROR/);
        expect(described.get(join(dir, `ours-${c.name}.${peer}.bin`))).toBe(golden);
      });
    }
    it('an exception made by the bridge is a Java exception with its message', () => {
      // The bridge writes detailMessage only (bridge-codec.ts runtimeException): the stack
      // trace is whatever the reader's construction leaves (empty in Dubbo's, its own in SOFARPC's).
      expect(described.get(join(dir, `exception.${peer}.bin`))).toMatch(
        /^java\.lang\.RuntimeException\{message=String:boom from Python, cause=null, stackTrace=\d+, suppressed=0\}$/,
      );
    });
    for (const j of FROM_JSON) {
      it(`${j.name} from plain JSON`, () => {
        const golden = described.get(join(VALUES_DIR, `${j.name}.${peer}.bin`));
        if (golden === undefined) return;
        expect(described.get(join(dir, `json-${j.name}.${peer}.bin`))).toBe(golden);
      });
      it(`${j.name} from plain JSON with the types from Dubbo's metadata`, () => {
        const golden = described.get(join(VALUES_DIR, `${j.name}.${peer}.bin`));
        if (golden === undefined) return;
        expect(described.get(join(dir, `meta-${j.name}.${peer}.bin`))).toBe(golden);
      });
    }
  });
}
