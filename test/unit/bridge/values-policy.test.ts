/**
 * The class allow list (RELIABILITY.md finding 6, row B9): gadget classes from Dubbo's
 * blocked list and hessian-lite's DENY_CLASS, their array forms, whitespace and Unicode
 * look-alikes are refused with a message naming the class; memory stays fixed whatever
 * names arrive.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { ClassPolicy, DEFAULT_ALLOWED_CLASSES } from '../../../src/bridge/class-policy.js';
import { MeshError } from '../../../src/core/errors.js';
import { fromJson } from '../../../src/bridge/values-json.js';

const policy = new ClassPolicy({ allow: ['com.example.', 'org.acme.Order'] });

function refusal(name: string, p = policy): string | undefined {
  try {
    p.check(name);
    return undefined;
  } catch (error) {
    expect(MeshError.is(error)).toBe(true);
    expect((error as MeshError).reason).toBe('PMESH_CLASS_NOT_ALLOWED');
    return (error as MeshError).message;
  }
}

describe('refused classes, with the exact message', () => {
  const table: [string, string][] = [
    ['com.sun.rowset.JdbcRowSetImpl', 'class not allowed: "com.sun.rowset.JdbcRowSetImpl" (deny list: com.sun.)'],
    ['java.lang.Runtime', 'class not allowed: "java.lang.Runtime" (deny list: java.lang.runtime)'],
    ['java.lang.ProcessBuilder', 'class not allowed: "java.lang.ProcessBuilder" (deny list: java.lang.processbuilder)'],
    ['[Ljava.lang.Runtime;', 'class not allowed: "[Ljava.lang.Runtime;" (deny list: java.lang.runtime)'],
    ['[[Ljava.lang.Runtime;', 'class not allowed: "[[Ljava.lang.Runtime;" (deny list: java.lang.runtime)'],
    ['java.lang.Runtime[]', 'class not allowed: "java.lang.Runtime[]" (deny list: java.lang.runtime)'],
    ['[java.lang.Runtime', 'class not allowed: "[java.lang.Runtime" (deny list: java.lang.runtime)'],
    ['JAVA.LANG.RUNTIME', 'class not allowed: "JAVA.LANG.RUNTIME" (deny list: java.lang.runtime)'],
    ['javax.naming.InitialContext', 'class not allowed: "javax.naming.InitialContext" (deny list: javax.naming.)'],
    ['org.springframework.context.support.ClassPathXmlApplicationContext',
      'class not allowed: "org.springframework.context.support.ClassPathXmlApplicationContext" (deny list: org.springframework.)'],
    ['org.apache.commons.collections.functors.InvokerTransformer',
      'class not allowed: "org.apache.commons.collections.functors.InvokerTransformer" (deny list: org.apache.commons.collections.functors)'],
    ['org.apache.commons.collections4.functors.ChainedTransformer',
      'class not allowed: "org.apache.commons.collections4.functors.ChainedTransformer" (deny list: org.apache.commons.collections4.functors)'],
    ['com.mchange.v2.c3p0.WrapperConnectionPoolDataSource', 'class not allowed: "com.mchange.v2.c3p0.WrapperConnectionPoolDataSource" (deny list: com.mchange)'],
    ['org.codehaus.groovy.runtime.MethodClosure', 'class not allowed: "org.codehaus.groovy.runtime.MethodClosure" (deny list: org.codehaus.groovy.runtime)'],
    ['bsh.XThis', 'class not allowed: "bsh.XThis" (deny list: bsh.)'],
    ['java.rmi.server.UnicastRemoteObject', 'class not allowed: "java.rmi.server.UnicastRemoteObject" (deny list: java.rmi)'],
    ['javax.management.BadAttributeValueExpException', 'class not allowed: "javax.management.BadAttributeValueExpException" (deny list: javax.management.)'],
    ['sun.rmi.server.UnicastRef', 'class not allowed: "sun.rmi.server.UnicastRef" (deny list: sun.rmi.)'],
    ['com.rometools.rome.feed.impl.EqualsBean', 'class not allowed: "com.rometools.rome.feed.impl.EqualsBean" (deny list: com.rometools.rome.feed.)'],
    ['java.lang.Runtime ', 'class not allowed: "java.lang.Runtime " (not a Java class name)'],
    [' com.example.User', 'class not allowed: " com.example.User" (not a Java class name)'],
    ['com.example.User\n', 'class not allowed: "com.example.User\\n" (not a Java class name)'],
    ['com.example.\u0055ser\u200b', 'class not allowed: "com.example.User\\u200b" (not a Java class name)'],
    ['java.lang.Runtim\u0435', 'class not allowed: "java.lang.Runtim\\u0435" (not a Java class name)'],
    ['com.ex\u0430mple.User', 'class not allowed: "com.ex\\u0430mple.User" (not a Java class name)'],
    ['', 'class not allowed: "" (not a Java class name)'],
    ['a..b', 'class not allowed: "a..b" (not a Java class name)'],
    ['[Q', 'class not allowed: "[Q" (not a Java class name)'],
    ['com.other.Thing', 'class not allowed: "com.other.Thing" (not on the allow list)'],
    ['org.acme.OrderX', 'class not allowed: "org.acme.OrderX" (not on the allow list)'],
  ];
  it.each(table)('%j', (name, message) => {
    expect(refusal(name)).toBe(message);
  });

  it('an allow entry never opens a denied prefix', () => {
    const open = new ClassPolicy({ allow: ['org.springframework.', 'java.lang.Runtime'] });
    expect(refusal('org.springframework.beans.factory.ObjectFactory', open)).toBe(
      'class not allowed: "org.springframework.beans.factory.ObjectFactory" (deny list: org.springframework.)',
    );
    expect(refusal('java.lang.Runtime', open)).toBe('class not allowed: "java.lang.Runtime" (deny list: java.lang.runtime)');
  });

  it('a long name is cut in the message', () => {
    const message = refusal(`com.other.${'a'.repeat(400)}`) ?? '';
    expect(message.length).toBeLessThan(260);
    expect(message).toMatch(/\.\.\." \(not on the allow list\)$/);
  });

  it('configured extra deny prefixes are case-insensitive', () => {
    const p = new ClassPolicy({ allow: ['com.example.'], deny: ['com.example.Internal'] });
    expect(refusal('com.example.internalstuff.X', p)).toBe('class not allowed: "com.example.internalstuff.X" (deny list: com.example.internal)');
  });
});

describe('allowed classes', () => {
  it.each([
    ...DEFAULT_ALLOWED_CLASSES, 'com.example.User', 'com.example.Outer$Inner', 'org.acme.Order', '[Lcom.example.User;',
    'com.example.User[]', '[I', '[[J', '[string', '[object', '[int', 'int[]',
  ])('%s', (name) => {
    expect(refusal(name)).toBeUndefined();
  });

  it('the JDK defaults can be turned off', () => {
    expect(refusal('java.lang.String', new ClassPolicy({ jdkDefaults: false }))).toBe('class not allowed: "java.lang.String" (not on the allow list)');
  });
});

describe('the JSON bridge refuses before converting', () => {
  const cases: [unknown, string][] = [
    [{ $class: 'com.sun.rowset.JdbcRowSetImpl', dataSourceName: 'ldap://127.0.0.1/x', autoCommit: true },
      'class not allowed: "com.sun.rowset.JdbcRowSetImpl" (deny list: com.sun.)'],
    [{ $type: 'java.util.List<java.lang.Runtime>', $value: [] }, 'class not allowed: "java.lang.Runtime" (deny list: java.lang.runtime)'],
    [{ $type: 'java.lang.ProcessBuilder[]', $value: [] }, 'class not allowed: "java.lang.ProcessBuilder" (deny list: java.lang.processbuilder)'],
    [{ $enum: 'javax.naming.Context', $value: 'X' }, 'class not allowed: "javax.naming.Context" (deny list: javax.naming.)'],
    [[1, { nested: { $class: 'org.springframework.aop.Foo' } }], 'class not allowed: "org.springframework.aop.Foo" (deny list: org.springframework.)'],
    [{ $class: 'com.unknown.Pojo' }, 'class not allowed: "com.unknown.Pojo" (not on the allow list)'],
  ];
  it.each(cases)('%j', (json, message) => {
    expect(() => fromJson(json, undefined, { policy })).toThrow(message);
  });
});

describe('memory stays bounded', () => {
  it('10,000 distinct names change nothing the policy holds', () => {
    const before = policy.size;
    for (let i = 0; i < 10_000; i++) {
      policy.allows(`com.attacker${i}.Gadget${i}`);
      policy.allows(`com.example.Generated${i}`);
    }
    expect(policy.size).toBe(before);
  });

  test.prop([fc.stringMatching(/^[a-z][a-z0-9]{0,8}(\.[A-Za-z_$][A-Za-z0-9_$]{0,8}){1,4}$/)], { numRuns: 300 })(
    'any Java identifier is decided without throwing anything but MeshError',
    (name) => {
      const decision = policy.allows(name);
      expect(decision).toBe(name.startsWith('com.example.') || name === 'org.acme.Order' || DEFAULT_ALLOWED_CLASSES.includes(name));
    },
  );
});
