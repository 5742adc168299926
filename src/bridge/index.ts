/**
 * The protocol bridge's vocabulary (docs/architecture.md): typed Java values, JSON and
 * MessagePack conversion, Java type names, class policy, service schemas and overload
 * resolution, and the half of a codec the bridge calls. Protocol-free; stands on core.
 */
export * from './values.js';
export { classType, typeToString, OBJECT_TYPE } from './java-types.js';
export * from './schema.js';
export { fromJson, argumentsFromJson, checkTypeAllowed, type FromJsonOptions } from './values-json.js';
export { toJson, toBinaryTree, stringifyJson, type JsonValue, type BinaryTreeValue, type ToJsonOptions } from './values-to-json.js';
export { MSGPACK_TYPE, namesMsgpack, msgpackToTree, packMsgpack } from './values-msgpack.js';
export { resolveOverload, jsonFit, type ResolvedMethod } from './overload.js';
export { ungeneralize } from './ungeneralize.js';
export * from './bridge-codec.js';
export { typesFromDubboDefinition, type ServiceTypes } from './schema-dubbo.js';
export { typesFor, type CallTypes } from './types-for.js';
