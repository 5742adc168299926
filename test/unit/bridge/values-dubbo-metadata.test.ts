/**
 * Types from the FullServiceDefinition a real Dubbo 3.3.6 provider publishes
 * (test/golden/values/service-definition.json, written by Dubbo's own
 * ServiceDefinitionBuilder in clients/java/values-golden): signatures with generic
 * types, POJO properties and enum constants, enough for plain JSON calls.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { typedCall } from '../../support/typed-call.js';
import { ClassPolicy } from '../../../src/bridge/class-policy.js';
import { typesFromDubboDefinition } from '../../../src/bridge/schema-dubbo.js';
import { javaEquals, jv, type JavaValue } from '../../../src/bridge/values.js';
import { V, VALUES_DIR, cases } from '../../support/value-goldens.js';

const definition: unknown = JSON.parse(readFileSync(`${VALUES_DIR}/service-definition.json`, 'utf8'));
const { service, methods, catalog } = typesFromDubboDefinition(definition);
const policy = new ClassPolicy({ allow: catalog.classNames() });

/** Fields sorted by name: the metadata's property order is not the class's. */
function byName(value: JavaValue): JavaValue {
  if (value === null) return null;
  if (value.kind === 'object') return jv.object(value.className, [...value.fields].sort(([a], [b]) => a.localeCompare(b)).map(([n, v]) => [n, byName(v)]));
  if (value.kind === 'list' || value.kind === 'set' || value.kind === 'array') return { ...value, items: value.items.map(byName) };
  return value;
}

describe('Dubbo metadata -> types', () => {
  it('service, POJOs and enums', () => {
    expect(service).toBe(`${V}ValuesService`);
    expect(catalog.pojo(`${V}Customer`)?.fields.map((f) => f.name).sort()).toEqual(['address', 'color', 'id', 'name']);
    expect(catalog.enumConstants(`${V}Color`)).toEqual(new Set(['RED', 'GREEN', 'BLUE']));
    expect(catalog.classNames().sort()).toEqual([`${V}Address`, `${V}Color`, `${V}Customer`, `${V}Order`, `${V}Primitives`]);
  });

  it('overloads resolve by JSON shape', () => {
    expect(typedCall(methods, 'find', [1], { policy, catalog }).descriptor).toBe('I');
    expect(typedCall(methods, 'find', ['ada'], { policy, catalog }).descriptor).toBe('Ljava/lang/String;');
  });

  it('plain JSON for every parameter type', () => {
    const order = typedCall(methods, 'order', [{ name: 'Ada', id: '9007199254740993', address: { city: 'London', zip: 12345 }, color: 'BLUE' }, ['first', null]], { policy, catalog });
    expect(order.descriptor).toBe(`L${V.replaceAll('.', '/')}Customer;Ljava/util/List;`);
    const golden = cases.find((c) => c.name === 'pojo_nested')?.value;
    const customer = golden !== null && golden?.kind === 'object' ? golden.fields.find(([n]) => n === 'customer')?.[1] : undefined;
    expect(javaEquals(byName(order.values[0] ?? null), byName(customer ?? null))).toBe(true);
    expect(order.values[1]).toEqual(jv.list([jv.string('first'), null]));

    const names = typedCall(methods, 'names', [[1, '9007199254740993']], { policy, catalog });
    expect(names.values[0]).toEqual(jv.set([jv.long(1n), jv.long(9007199254740993n)]));
    expect(names.returns).toEqual({ sort: 'class', name: 'java.util.Map', args: [{ sort: 'class', name: 'java.lang.Long', args: [] }, { sort: 'class', name: 'java.lang.String', args: [] }] });

    const paint = typedCall(methods, 'paint', ['RED', [1, 2]], { policy, catalog });
    expect(paint.values).toEqual([jv.enumOf(`${V}Color`, 'RED'), jv.array('int', [jv.int(1), jv.int(2)])]);
    expect(paint.typeNames).toEqual([`${V}Color`, '[I']);

    const total = typedCall(methods, 'total', ['123456789012345678901234.567890', 1], { policy, catalog });
    expect(total.values).toEqual([jv.decimal('123456789012345678901234.567890'), jv.decimal('1')]);
  });

  it.each([
    [null, 'dubbo service definition: not an object'],
    [{ methods: [], types: [] }, 'dubbo service definition: canonicalName missing'],
    [{ canonicalName: 'x', methods: [{}], types: [] }, 'dubbo service definition: methods[0] has no name'],
    [{ canonicalName: 'x', methods: [{ name: 'm', parameterTypes: [1] }], types: [] }, 'dubbo service definition: methods[0].parameterTypes is not a list of strings'],
    [{ canonicalName: 'x', methods: [], types: [{ type: 'a.B', properties: { f: 3 } }] }, 'dubbo service definition: types[0].properties.f is not a type name'],
  ])('refuses %j', (json, message) => {
    expect(() => typesFromDubboDefinition(json)).toThrow(message);
  });
});
