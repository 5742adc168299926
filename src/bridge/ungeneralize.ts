/**
 * A Dubbo generic call's answer made readable as a typed call's: Dubbo's provider answers
 * `$invoke` with its values generalized (PojoUtils.generalize, POJOs as maps), and the
 * bridge turns them back before writing JSON.
 */
import { jv, type JavaValue } from './values.js';

/**
 * Undoes Dubbo's PojoUtils.generalize on a generic call's answer: a map of string keys
 * with a "class" entry becomes the POJO it stood for, so the app sees `$class` as in a
 * normal call (docs/protocols.md: generalized POJOs are HashMaps with "class").
 */
export function ungeneralize(value: JavaValue): JavaValue {
  if (value === null) return null;
  switch (value.kind) {
    case 'list':
    case 'set':
    case 'array':
      return { ...value, items: value.items.map(ungeneralize) };
    case 'object':
      return { ...value, fields: value.fields.map(([name, field]) => [name, ungeneralize(field)] as const) };
    case 'map': {
      const stringKeys = value.entries.every(([key]) => key !== null && key.kind === 'string');
      const classEntry = value.entries.find(([key]) => key !== null && key.kind === 'string' && key.value === 'class');
      const className = classEntry?.[1];
      if (stringKeys && className !== undefined && className !== null && className.kind === 'string') {
        const fields = value.entries
          .filter((entry) => entry !== classEntry)
          .map(([key, field]) => [(key as { value: string }).value, ungeneralize(field)] as const);
        return jv.object(className.value, fields);
      }
      return { ...value, entries: value.entries.map(([key, field]) => [ungeneralize(key), ungeneralize(field)] as const) };
    }
    default:
      return value;
  }
}
