/**
 * The class allow list of the bridge (docs/reliability.md): every Java
 * class name that comes from outside (`$class`, `$enum`, `$type`, a generic map's
 * "class" key) passes `ClassPolicy.check` before anything is encoded. Deny lists were
 * bypassed within months every time (docs/reliability.md), so the policy is an allow
 * list: the JDK value classes the model needs plus the classes and packages the
 * operator names (service schemas). The deny list is a second layer that wins over
 * every allow entry, so `allow: ["org.springframework."]` still refuses the gadgets.
 *
 * No caching: a check is a syntax test, a prefix scan and a set lookup, so memory is
 * fixed at construction whatever names arrive (10,000 distinct names cost nothing).
 */
import { MeshError } from '../core/errors.js';

/**
 * Denied prefixes, compared lower-case. Taken as facts from Dubbo 3.3's
 * security/serialize.blockedlist (itself lower-case) and hessian-lite 4.0.4's DENY_CLASS,
 * plus a few of our own (marked) for JDK internals no RPC value needs.
 */
export const DEFAULT_DENIED_PREFIXES: readonly string[] = [
  // Dubbo serialize.blockedlist
  'aj.org.objectweb.asm.', 'br.com.anteros.', 'ch.qos.logback.', 'clojure.', 'com.alibaba.citrus.springext.',
  'com.alibaba.druid.pool.', 'com.alibaba.druid.stat.jdbcdatasourcestat', 'com.alibaba.fastjson.annotation',
  'com.alipay.custrelation.service.model.redress.', 'com.caucho.', 'com.ibatis.', 'com.mchange',
  'com.mysql.cj.jdbc.admin.', 'com.mysql.cj.jdbc.mysqlconnectionpooldatasource', 'com.mysql.cj.jdbc.mysqldatasource',
  'com.mysql.cj.jdbc.mysqlxadatasource', 'com.mysql.cj.log.', 'com.p6spy.engine.', 'com.rometools.rome.feed.',
  'com.sun.', 'com.taobao.eagleeye.wrapper', 'com.zaxxer.hikari.', 'flex.messaging.util.concurrent.', 'java.awt.',
  'java.beans.', 'java.io.closeable', 'java.io.serializable', 'java.lang.autocloseable', 'java.lang.class',
  'java.lang.cloneable', 'java.lang.iterable', 'java.lang.readable', 'java.lang.runnable', 'java.lang.thread',
  'java.lang.unixprocess', 'java.net.inetaddress', 'java.net.socket', 'java.net.url', 'java.rmi', 'java.security.',
  'java.util.collection', 'java.util.eventlistener', 'java.util.jar.', 'java.util.logging.', 'java.util.prefs.',
  'java.util.serviceloader', 'javassist.', 'javax.activation.', 'javax.imageio.', 'javax.management.', 'javax.naming.',
  'javax.net.', 'javax.print.', 'javax.script.', 'javax.sound.', 'javax.swing.', 'javax.tools.', 'javax.xml',
  'jdk.internal.', 'jodd.db.connection.', 'junit.', 'net.bytebuddy.dynamic.loading.', 'net.sf.cglib.',
  'net.sf.ehcache.hibernate.', 'net.sf.ehcache.transaction.manager.', 'oracle.jdbc.', 'oracle.jms.aq', 'oracle.net',
  'org.aoju.bus.proxy.provider.', 'org.apache.activemq.', 'org.apache.aries.transaction.',
  'org.apache.axis2.jaxws.spi.handler.', 'org.apache.axis2.transport.jms.', 'org.apache.bcel',
  'org.apache.carbondata.core.scan.expression.', 'org.apache.catalina.', 'org.apache.cocoon.',
  'org.apache.commons.beanutils', 'org.apache.commons.collections.comparators.', 'org.apache.commons.collections.functors',
  'org.apache.commons.collections.transformer', 'org.apache.commons.collections4.comparators',
  'org.apache.commons.collections4.functors', 'org.apache.commons.collections4.transformer',
  'org.apache.commons.configuration', 'org.apache.commons.dbcp', 'org.apache.commons.fileupload',
  'org.apache.commons.jelly.', 'org.apache.commons.logging.', 'org.apache.commons.proxy.', 'org.apache.cxf.jaxrs.provider.',
  'org.apache.hadoop.shaded.com.zaxxer.hikari.', 'org.apache.http.auth.', 'org.apache.http.conn.', 'org.apache.http.cookie.',
  'org.apache.http.impl.', 'org.apache.ibatis.', 'org.apache.ignite.cache.', 'org.apache.log4j.', 'org.apache.logging.',
  'org.apache.myfaces.', 'org.apache.openjpa.ee.', 'org.apache.shiro.', 'org.apache.tomcat', 'org.apache.wicket.util',
  'org.apache.xalan', 'org.apache.xbean.', 'org.apache.xpath.', 'org.codehaus.groovy.runtime', 'org.codehaus.jackson.',
  'org.eclipse.jetty.', 'org.geotools.filter.', 'org.h2.jdbcx.', 'org.h2.server.', 'org.hibernate', 'org.javasimon.',
  'org.jaxen.', 'org.jboss', 'org.jdom.', 'org.jdom2.transform.', 'org.logicalcobwebs.', 'org.mortbay.',
  'org.mozilla.javascript', 'org.objectweb.asm.', 'org.osjava.sj.', 'org.python.core', 'org.quartz.', 'org.slf4j.',
  'org.springframework.', 'org.yaml.snakeyaml.tokens.', 'sun.rmi.',
  // hessian-lite DENY_CLASS entries not covered above
  'bsh.', 'com.alibaba.hotcode.internal.org.apache.commons.collections.functors.', 'com.alipay.oceanbase.obproxy.druid.pool.',
  'com.ibm.jtc.jax.xml.bind.v2.runtime.unmarshaller.', 'com.ibm.xltxe.rnm1.xtq.bcel.util.', 'com.mysql.jdbc.util.',
  'com.taobao.vipserver.commons.collections.functors.', 'groovy.lang.', 'java.lang.processbuilder', 'java.lang.runtime',
  'java.util.stringtokenizer', 'javax.media.jai.remote.', 'org.apache.commons.codec.', 'org.apache.log.output.db.',
  'org.apache.log4j.receivers.db.', 'org.apache.velocity.', 'org.apache.zookeeper.', 'org.aspectj.',
  'org.datanucleus.store.rdbms.datasource.dbcp.datasources.', 'org.dom4j.', 'org.junit.', 'org.mockito.', 'org.thymeleaf.',
  'ognl.', 'pstore.shaded.org.apache.commons.collections.', 'sun.print.', 'weblogic.ejb20.internal.', 'weblogic.jms.common.',
  // ours: process, reflection and JDK internals
  'java.lang.process', 'java.lang.reflect.', 'java.lang.invoke.', 'java.lang.system', 'java.lang.module', 'sun.', 'jdk.',
];

/** JDK classes the value model itself produces: boxed primitives, String, java.math, java.util collections and Date. */
export const DEFAULT_ALLOWED_CLASSES: readonly string[] = [
  'java.lang.Object', 'java.lang.Boolean', 'java.lang.Byte', 'java.lang.Short', 'java.lang.Character', 'java.lang.Integer',
  'java.lang.Long', 'java.lang.Float', 'java.lang.Double', 'java.lang.Number', 'java.lang.String', 'java.math.BigDecimal',
  'java.math.BigInteger', 'java.util.Date', 'java.util.List', 'java.util.ArrayList', 'java.util.LinkedList', 'java.util.Set',
  'java.util.HashSet', 'java.util.LinkedHashSet', 'java.util.TreeSet', 'java.util.Map', 'java.util.HashMap',
  'java.util.LinkedHashMap', 'java.util.TreeMap', 'java.util.concurrent.ConcurrentHashMap',
];

/** Exact names that the deny prefixes would catch but the model needs (Object[] arrays, `java.lang.Object` params). */
const DENY_EXEMPT = new Set(['java.lang.Object']);

/** Hessian's own array type names (docs/protocols.md): `[int`, `[string`, `[object`. */
const HESSIAN_COMPONENTS = new Set(['boolean', 'byte', 'short', 'char', 'int', 'long', 'float', 'double', 'string', 'object', 'date']);
const PRIMITIVE_LETTERS = new Set(['Z', 'B', 'S', 'C', 'I', 'J', 'F', 'D']);

/** ASCII Java binary names only: whitespace, control characters and Unicode look-alikes never match. */
const BINARY_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*$/;
const MAX_NAME = 512;

export interface ClassPolicyOptions {
  /** Exact class names, or package prefixes ending in "." (a trailing ".*" is read as "."), allowed besides the defaults. */
  readonly allow?: readonly string[];
  /** Further denied prefixes (case-insensitive), on top of the defaults. */
  readonly deny?: readonly string[];
  /** Allow DEFAULT_ALLOWED_CLASSES (default true). */
  readonly jdkDefaults?: boolean;
}

/** Shows a refused name safely in a message: quoted, non-ASCII escaped, cut at 200 characters. */
export function displayClassName(name: string): string {
  const cut = name.length > 200 ? `${name.slice(0, 200)}...` : name;
  return JSON.stringify(cut).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export class ClassPolicy {
  readonly #exact: ReadonlySet<string>;
  readonly #prefixes: readonly string[];
  readonly #deny: readonly string[];

  constructor(options: ClassPolicyOptions = {}) {
    const exact = new Set(options.jdkDefaults === false ? [] : DEFAULT_ALLOWED_CLASSES);
    const prefixes: string[] = [];
    for (const entry of options.allow ?? []) {
      const normalized = entry.endsWith('.*') ? entry.slice(0, -1) : entry;
      if (normalized.endsWith('.')) prefixes.push(normalized);
      else exact.add(normalized);
    }
    this.#exact = exact;
    this.#prefixes = prefixes;
    this.#deny = [...DEFAULT_DENIED_PREFIXES, ...(options.deny ?? []).map((p) => p.toLowerCase())];
  }

  /** Entries held; fixed at construction (the memory bound of row B9). */
  get size(): number {
    return this.#exact.size + this.#prefixes.length + this.#deny.length;
  }

  allows(name: string): boolean {
    return this.#refusal(name) === undefined;
  }

  /** Throws MeshError PMESH_CLASS_NOT_ALLOWED naming the class, or returns. */
  check(name: string): void {
    const why = this.#refusal(name);
    if (why !== undefined) {
      throw new MeshError('PMESH_CLASS_NOT_ALLOWED', `class not allowed: ${displayClassName(name)} ${why}`, {
        details: { class: name.slice(0, 200) },
      });
    }
  }

  /**
   * The deny list alone, for class names in pass-through bodies (an ingress scan): the
   * apps behind the sidecar use classes of their own, so only the gadgets are refused.
   * Throws MeshError PMESH_CLASS_NOT_ALLOWED naming the class, or returns.
   */
  checkNotDenied(name: string): void {
    const component = arrayComponent(name);
    if (typeof component !== 'string') return;
    const denied = this.#denied(component);
    if (denied !== undefined) {
      throw new MeshError('PMESH_CLASS_NOT_ALLOWED', `class not allowed: ${displayClassName(name)} (deny list: ${denied})`, {
        details: { class: name.slice(0, 200) },
      });
    }
  }

  #denied(component: string): string | undefined {
    if (DENY_EXEMPT.has(component)) return undefined;
    const lower = component.toLowerCase();
    return this.#deny.find((prefix) => lower.startsWith(prefix));
  }

  #refusal(name: string): string | undefined {
    if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME) return '(not a Java class name)';
    const component = arrayComponent(name);
    if (component === null) return undefined;
    if (component === undefined || !BINARY_NAME.test(component)) return '(not a Java class name)';
    const denied = this.#denied(component);
    if (denied !== undefined) return `(deny list: ${denied})`;
    if (this.#exact.has(component) || this.#prefixes.some((prefix) => component.startsWith(prefix))) return undefined;
    return '(not on the allow list)';
  }
}

/**
 * The class an array name is made of: `[Ljava.lang.Runtime;`, `java.lang.Runtime[]` and
 * Hessian's `[java.lang.Runtime` all check java.lang.Runtime. Null for arrays of
 * primitives (nothing to load); undefined when the array syntax is broken.
 */
function arrayComponent(name: string): string | null | undefined {
  let rest = name;
  while (rest.endsWith('[]')) rest = rest.slice(0, -2);
  if (rest !== name && HESSIAN_COMPONENTS.has(rest) && rest !== 'string' && rest !== 'object' && rest !== 'date') return null;
  if (!rest.startsWith('[')) return rest;
  while (rest.startsWith('[')) rest = rest.slice(1);
  if (rest.length === 1) return PRIMITIVE_LETTERS.has(rest) ? null : undefined;
  if (rest.startsWith('L') && rest.endsWith(';')) return rest.slice(1, -1);
  if (HESSIAN_COMPONENTS.has(rest)) return null;
  return rest;
}
