/**
 * Java type descriptors: what a method signature or a POJO schema says a value is.
 *
 * One parser takes every spelling a caller or a peer uses: primitive names (`long`),
 * class names (`java.lang.Long`, short aliases such as `Long` or `String`), generics
 * (`java.util.Map<java.lang.Long, java.util.List<com.example.User>>`), source arrays
 * (`int[]`, `com.example.User[]`) and Class.getName() arrays (`[I`, `[Ljava.lang.String;`).
 * Two printers give what the wire needs: Class.getName() (SOFARPC methodArgSigs, Dubbo
 * generic parameterTypes, docs/protocols.md) and the JVM descriptor (Dubbo's
 * parameter-types string, docs/protocols.md).
 */
import { MeshError } from '../core/errors.js';

export type PrimitiveName = 'boolean' | 'byte' | 'short' | 'char' | 'int' | 'long' | 'float' | 'double' | 'void';

export type JavaType =
  | { readonly sort: 'primitive'; readonly name: PrimitiveName }
  /** A class or interface; `args` are generic type arguments (empty when raw). */
  | { readonly sort: 'class'; readonly name: string; readonly args: readonly JavaType[] }
  | { readonly sort: 'array'; readonly component: JavaType };

const PRIMITIVE_LETTER: Readonly<Record<PrimitiveName, string>> = {
  boolean: 'Z', byte: 'B', short: 'S', char: 'C', int: 'I', long: 'J', float: 'F', double: 'D', void: 'V',
};
const LETTER_PRIMITIVE: Readonly<Record<string, PrimitiveName>> = Object.fromEntries(
  Object.entries(PRIMITIVE_LETTER).map(([name, letter]) => [letter, name as PrimitiveName]),
);

/** Short names callers may use in signatures; always expanded to the java.* class. */
const ALIASES: Readonly<Record<string, string>> = {
  String: 'java.lang.String', Object: 'java.lang.Object', Boolean: 'java.lang.Boolean', Byte: 'java.lang.Byte',
  Short: 'java.lang.Short', Character: 'java.lang.Character', Integer: 'java.lang.Integer', Long: 'java.lang.Long',
  Float: 'java.lang.Float', Double: 'java.lang.Double', BigDecimal: 'java.math.BigDecimal',
  BigInteger: 'java.math.BigInteger', Date: 'java.util.Date', List: 'java.util.List', Set: 'java.util.Set',
  Map: 'java.util.Map', Collection: 'java.util.Collection',
};

/** Longest type text accepted; bounds the parser's work and recursion. */
export const MAX_TYPE_TEXT = 1024;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*$/;

const bad = (text: string, why: string): MeshError =>
  new MeshError('PMESH_BAD_REQUEST', `bad Java type ${JSON.stringify(text.slice(0, 200))}: ${why}`);

export const OBJECT_TYPE: JavaType = { sort: 'class', name: 'java.lang.Object', args: [] };

export function classType(name: string, args: readonly JavaType[] = []): JavaType {
  return { sort: 'class', name, args };
}

/** Parses any supported spelling; throws MeshError PMESH_BAD_REQUEST naming the text. */
export function parseJavaType(text: string): JavaType {
  if (text.length > MAX_TYPE_TEXT) throw bad(text, `longer than ${MAX_TYPE_TEXT} characters`);
  const parser = new TypeParser(text);
  const type = parser.type();
  parser.end();
  return type;
}

class TypeParser {
  #pos = 0;
  constructor(readonly text: string) {}

  end(): void {
    this.#space();
    if (this.#pos !== this.text.length) throw bad(this.text, `unexpected ${JSON.stringify(this.text[this.#pos])}`);
  }

  type(): JavaType {
    this.#space();
    if (this.text[this.#pos] === '[') return this.#binaryArray();
    if (this.text[this.#pos] === '?') return this.#wildcard();
    let type = this.#named();
    this.#space();
    while (this.text.startsWith('[]', this.#pos)) {
      this.#pos += 2;
      type = { sort: 'array', component: type };
      this.#space();
    }
    return type;
  }

  #space(): void {
    while (this.text[this.#pos] === ' ') this.#pos++;
  }

  /** `?`, `? extends X` -> X, `? super X` -> Object: what a value of that type may be. */
  #wildcard(): JavaType {
    this.#pos++;
    this.#space();
    const rest = this.text.slice(this.#pos);
    if (rest.startsWith('extends ')) {
      this.#pos += 'extends '.length;
      return this.type();
    }
    if (rest.startsWith('super ')) {
      this.#pos += 'super '.length;
      this.type();
    }
    return OBJECT_TYPE;
  }

  #named(): JavaType {
    const start = this.#pos;
    while (this.#pos < this.text.length && !'<>,[] '.includes(this.text[this.#pos] as string)) this.#pos++;
    const word = this.text.slice(start, this.#pos);
    if (word in PRIMITIVE_LETTER) return { sort: 'primitive', name: word as PrimitiveName };
    const name = ALIASES[word] ?? word;
    if (!IDENTIFIER.test(name)) throw bad(this.text, `${JSON.stringify(word)} is not a Java class name`);
    const args: JavaType[] = [];
    this.#space();
    if (this.text[this.#pos] === '<') {
      this.#pos++;
      for (;;) {
        args.push(this.type());
        this.#space();
        const c = this.text[this.#pos++];
        if (c === '>') break;
        if (c !== ',') throw bad(this.text, 'unclosed type arguments');
      }
    }
    return { sort: 'class', name, args };
  }

  /** Class.getName() arrays: `[I`, `[[J`, `[Ljava.lang.String;`. */
  #binaryArray(): JavaType {
    let dims = 0;
    while (this.text[this.#pos] === '[') {
      dims++;
      this.#pos++;
    }
    const letter = this.text[this.#pos++];
    let component: JavaType;
    if (letter === 'L') {
      const semi = this.text.indexOf(';', this.#pos);
      if (semi === -1) throw bad(this.text, 'array class name without ";"');
      const name = this.text.slice(this.#pos, semi);
      if (!IDENTIFIER.test(name)) throw bad(this.text, `${JSON.stringify(name)} is not a Java class name`);
      component = { sort: 'class', name, args: [] };
      this.#pos = semi + 1;
    } else {
      const primitive = letter === undefined ? undefined : LETTER_PRIMITIVE[letter];
      if (primitive === undefined || primitive === 'void') throw bad(this.text, 'bad array descriptor');
      component = { sort: 'primitive', name: primitive };
    }
    for (let i = 0; i < dims; i++) component = { sort: 'array', component };
    return component;
  }
}

/** Class.getName(): `int`, `java.util.List` (erased), `[I`, `[Ljava.lang.String;`. */
export function javaTypeName(type: JavaType): string {
  if (type.sort === 'primitive') return type.name;
  if (type.sort === 'class') return type.name;
  return `[${arrayPart(type.component)}`;
}

function arrayPart(component: JavaType): string {
  if (component.sort === 'primitive') return PRIMITIVE_LETTER[component.name];
  if (component.sort === 'class') return `L${component.name};`;
  return `[${arrayPart(component.component)}`;
}

/** JVM descriptor (ReflectUtils.getDesc): `I`, `Ljava/lang/String;`, `[J`. */
export function jvmDescriptor(type: JavaType): string {
  if (type.sort === 'primitive') return PRIMITIVE_LETTER[type.name];
  if (type.sort === 'class') return `L${type.name.replaceAll('.', '/')};`;
  return `[${jvmDescriptor(type.component)}`;
}

/** Every class a type names: itself, its type arguments, its array component (primitives name none). */
export function classNamesOf(type: JavaType): string[] {
  if (type.sort === 'primitive') return [];
  if (type.sort === 'array') return classNamesOf(type.component);
  return [type.name, ...type.args.flatMap(classNamesOf)];
}

/** Source spelling, for messages: `java.util.List<java.lang.String>`, `int[]`. */
export function typeToString(type: JavaType): string {
  if (type.sort === 'primitive') return type.name;
  if (type.sort === 'array') return `${typeToString(type.component)}[]`;
  return type.args.length === 0 ? type.name : `${type.name}<${type.args.map(typeToString).join(',')}>`;
}
