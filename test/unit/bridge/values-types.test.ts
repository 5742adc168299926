/**
 * Java type descriptors (every spelling a caller or peer uses, printed back as
 * Class.getName() for SOFARPC sigs and Dubbo generic types, and as JVM descriptors for
 * Dubbo's parameter-types string) and overload resolution by arity and JSON shape.
 */
import { describe, expect, it } from 'vitest';
import { javaTypeName, jvmDescriptor, parseJavaType, typeToString } from '../../../src/bridge/java-types.js';
import { resolveOverload } from '../../../src/bridge/overload.js';
import { TypeCatalog, type MethodSignature } from '../../../src/bridge/schema.js';

describe('parseJavaType', () => {
  const table: [string, string, string, string][] = [
    // text, Class.getName(), JVM descriptor, source form
    ['int', 'int', 'I', 'int'],
    ['long', 'long', 'J', 'long'],
    ['Long', 'java.lang.Long', 'Ljava/lang/Long;', 'java.lang.Long'],
    ['String', 'java.lang.String', 'Ljava/lang/String;', 'java.lang.String'],
    ['java.util.List<com.example.User>', 'java.util.List', 'Ljava/util/List;', 'java.util.List<com.example.User>'],
    ['java.util.Map<java.lang.Long, java.util.List<String>>', 'java.util.Map', 'Ljava/util/Map;', 'java.util.Map<java.lang.Long,java.util.List<java.lang.String>>'],
    ['java.util.List<? extends com.example.User>', 'java.util.List', 'Ljava/util/List;', 'java.util.List<com.example.User>'],
    ['int[]', '[I', '[I', 'int[]'],
    ['byte[]', '[B', '[B', 'byte[]'],
    ['String[][]', '[[Ljava.lang.String;', '[[Ljava/lang/String;', 'java.lang.String[][]'],
    ['[J', '[J', '[J', 'long[]'],
    ['[Ljava.lang.String;', '[Ljava.lang.String;', '[Ljava/lang/String;', 'java.lang.String[]'],
    ['com.foo.Bar$Inner', 'com.foo.Bar$Inner', 'Lcom/foo/Bar$Inner;', 'com.foo.Bar$Inner'],
  ];
  it.each(table)('%s', (text, name, descriptor, source) => {
    const type = parseJavaType(text);
    expect(javaTypeName(type)).toBe(name);
    expect(jvmDescriptor(type)).toBe(descriptor);
    expect(typeToString(type)).toBe(source);
  });

  it.each([
    ['java.util.List<String', 'bad Java type "java.util.List<String": unclosed type arguments'],
    ['java lang', 'bad Java type "java lang": unexpected "l"'],
    ['[V', 'bad Java type "[V": bad array descriptor'],
    ['[Ljava.lang.String', 'bad Java type "[Ljava.lang.String": array class name without ";"'],
    ['com.Ex\u0430mple', 'bad Java type "com.Exаmple": "com.Exаmple" is not a Java class name'],
  ])('refuses %j', (text, message) => {
    expect(() => parseJavaType(text)).toThrow(message);
  });

  it('bounds the text it parses', () => {
    expect(() => parseJavaType(`java.util.List<${'java.util.List<'.repeat(100)}`)).toThrow(/longer than 1024 characters/);
  });
});

describe('resolveOverload', () => {
  const methods: MethodSignature[] = [
    { name: 'find', params: ['int'] },
    { name: 'find', params: ['java.lang.String'] },
    { name: 'find', params: ['com.example.User'] },
    { name: 'find', params: ['long', 'long'] },
    { name: 'find', params: ['java.util.List<String>', 'boolean'] },
    { name: 'put', params: ['long'] },
    { name: 'put', params: ['double'] },
    { name: 'when', params: ['java.util.Date'] },
    { name: 'same', params: ['int'] },
    { name: 'same', params: ['java.lang.Integer'] },
    { name: 'paint', params: ['com.example.Color'] },
    { name: 'paint', params: ['java.lang.String'] },
  ];
  const catalog = new TypeCatalog(
    [{ className: 'com.example.User', fields: [{ name: 'name', type: 'String' }] }],
    [{ className: 'com.example.Color', constants: ['RED'] }],
  );
  const pick = (name: string, args: unknown[]): string => resolveOverload(methods, name, args, catalog).signature.params.join(',');

  it.each([
    ['find', [7], 'int'],
    ['find', ['ada'], 'java.lang.String'],
    ['find', [{ name: 'ada' }], 'com.example.User'],
    ['find', [1, 2], 'long,long'],
    ['find', [['a'], true], 'java.util.List<String>,boolean'],
    ['find', [{ $type: 'java.lang.String', $value: '7' }], 'java.lang.String'],
    ['put', [1.5], 'double'],
    ['put', [1], 'long'],
    ['put', [{ $type: 'double', $value: 1 }], 'double'],
    ['when', ['2024-01-01T00:00:00Z'], 'java.util.Date'],
    ['same', [{ $type: 'java.lang.Integer', $value: 1 }], 'java.lang.Integer'],
    ['paint', ['RED'], 'com.example.Color'],
    ['paint', ['PURPLE'], 'java.lang.String'],
  ] as [string, unknown[], string][])('%s(%j) -> %s', (name, args, expected) => {
    expect(pick(name, args)).toBe(expected);
  });

  it('refuses with the candidates named', () => {
    expect(() => pick('find', [1, 2, 3])).toThrow('no overload of find takes 3 arguments (find(int), find(java.lang.String), find(com.example.User), find(long, long), find(java.util.List<java.lang.String>, boolean))');
    expect(() => pick('find', [true])).toThrow('no overload of find accepts these arguments (find(int), find(java.lang.String), find(com.example.User))');
    expect(() => pick('same', [1])).toThrow('ambiguous call to same: same(int), same(java.lang.Integer) all fit; add a $type hint to an argument');
    expect(() => pick('nope', [])).toThrow('no method nope');
  });
});
