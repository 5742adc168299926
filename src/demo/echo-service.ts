/**
 * The demo's com.example.EchoService: the same methods, and the same answers, as the Java
 * providers in clients/java (the Dubbo one in dubbo-api, the SOFARPC one in sofarpc: they
 * differ a little), written over the bridge's typed values so a Dubbo or SOFARPC caller
 * cannot tell them apart. An example for people to call, never a test oracle: protocol
 * tests run the Java peers.
 */
import { jv, type BridgeCall, type BridgeOutcome, type JavaValue } from '../bridge/index.js';

export const ECHO_SERVICE = 'com.example.EchoService';

/** The signatures the sidecar's `bridge:` section declares for it: both Java interfaces' methods. */
export const ECHO_METHODS = [
  { name: 'echo', params: ['java.lang.String'], returns: 'java.lang.String' },
  { name: 'add', params: ['int', 'int'], returns: 'int' },
  { name: 'addLong', params: ['long', 'long'], returns: 'long' },
  { name: 'greet', params: ['com.example.Person'], returns: 'com.example.Person' },
  { name: 'older', params: ['com.example.Person', 'int'], returns: 'com.example.Person' },
  { name: 'describe', params: ['com.example.Person'], returns: 'java.lang.String' },
  { name: 'fail', params: ['java.lang.String'], returns: 'java.lang.String' },
  { name: 'nothing', params: [], returns: 'java.lang.String' },
  { name: 'nonce', params: ['java.lang.String'], returns: 'java.lang.String' },
] as const;

/** Which Java provider's behaviour to copy. */
export type EchoFlavour = 'dubbo' | 'sofarpc';

/** com.example.Person's fields, in the Java class's order. */
export const PERSON_FIELDS = [
  { name: 'name', type: 'java.lang.String' },
  { name: 'age', type: 'int' },
  { name: 'id', type: 'long' },
  { name: 'tags', type: 'java.util.List<java.lang.String>' },
] as const;

type Method = (args: readonly JavaValue[]) => BridgeOutcome;

const text = (value: JavaValue | undefined): string => (value && value.kind === 'string' ? value.value : String(value === undefined || value === null ? 'null' : (value as { value?: unknown }).value));
const int = (value: JavaValue | undefined): number => (value && (value.kind === 'int' || value.kind === 'short' || value.kind === 'byte') ? value.value : 0);
const long = (value: JavaValue | undefined): bigint => (value && value.kind === 'long' ? value.value : value && value.kind === 'int' ? BigInt(value.value) : 0n);
const ok = (value: JavaValue): BridgeOutcome => ({ kind: 'value', value });

function field(person: JavaValue | undefined, name: string): JavaValue | undefined {
  return person && person.kind === 'object' ? person.fields.find(([key]) => key === name)?.[1] : undefined;
}

/** Java's int addition wraps; so does this one. */
const addInt = (a: number, b: number): number => (a + b) | 0;
const addLong = (a: bigint, b: bigint): bigint => BigInt.asIntN(64, a + b);

const tagsOf = (person: JavaValue | undefined): readonly JavaValue[] => {
  const tags = field(person, 'tags');
  return tags && (tags.kind === 'list' || tags.kind === 'array') ? tags.items : [];
};

/** Dubbo's hessian-lite writes Person's fields last-declared first; SOFARPC's Hessian in declaration order. */
const person = (name: string, age: number, id: bigint, tags: readonly JavaValue[], order: 'declared' | 'reversed' = 'declared'): JavaValue => {
  const fields: Array<readonly [string, JavaValue]> = [
    ['name', jv.string(name)],
    ['age', jv.int(age)],
    ['id', jv.long(id)],
    ['tags', jv.list(tags)],
  ];
  return jv.object('com.example.Person', order === 'declared' ? fields : fields.reverse());
};

const COMMON: Readonly<Record<string, Method>> = {
  echo: ([value]) => ok(value === undefined || value === null ? null : jv.string(text(value))),
  add: ([a, b]) => ok(jv.int(addInt(int(a), int(b)))),
  addLong: ([a, b]) => ok(jv.long(addLong(long(a), long(b)))),
  nonce: ([token]) => ok(jv.string(`nonce:${text(token)}`)),
};

const METHODS: Readonly<Record<EchoFlavour, Readonly<Record<string, Method>>>> = {
  /** clients/java/dubbo-api EchoServiceImpl. */
  dubbo: {
    ...COMMON,
    greet: ([p]) => ok(person(`Hello ${text(field(p, 'name'))}`, addInt(int(field(p, 'age')), 1), long(field(p, 'id')), [...tagsOf(p), jv.string('greeted')], 'reversed')),
    fail: ([reason]) => ({ kind: 'exception', className: 'com.example.EchoException', message: `fail: ${text(reason)}` }),
    nothing: () => ok(null),
  },
  /** clients/java/sofarpc EchoServiceImpl. */
  sofarpc: {
    ...COMMON,
    older: ([p, years]) => ok(person(text(field(p, 'name')), addInt(int(field(p, 'age')), int(years)), long(field(p, 'id')), [...tagsOf(p), jv.string('older')])),
    describe: ([p]) =>
      ok(jv.string(`Person{name=${text(field(p, 'name'))},age=${int(field(p, 'age'))},id=${long(field(p, 'id'))},tags=[${tagsOf(p).map((t) => text(t)).join(', ')}]}`)),
    fail: ([message]) => ({ kind: 'exception', className: 'com.example.EchoException', message: text(message) }),
  },
};

/** Answers one call to the EchoService; an unknown method fails the way a Java provider's does. */
export function answerEcho(call: BridgeCall, flavour: EchoFlavour): BridgeOutcome {
  const method = METHODS[flavour][call.method];
  if (!method) return { kind: 'exception', message: `no method ${call.method} in ${ECHO_SERVICE}` };
  return method(call.args);
}
