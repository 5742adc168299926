/**
 * A JSON call turned into typed Java arguments by the same steps as the bridge filter's
 * typed call (src/proxy/bridge.ts): parameter types from `typesFor` (signatures, then
 * hints), each checked against the class policy, then `argumentsFromJson`. For tests that
 * put the values into frames of their own (to compare with a Java peer's bytes).
 */
import {
  argumentsFromJson, checkTypeAllowed, javaTypeName, jvmDescriptor, typesFor,
  type ClassPolicy, type JavaType, type JavaValue, type MethodSignature, type TypeCatalog,
} from '../../src/bridge/index.js';

export interface TypedCall {
  readonly params: readonly JavaType[];
  readonly values: readonly JavaValue[];
  readonly returns: JavaType | undefined;
  /** Class.getName() of each parameter: SOFARPC's methodArgSigs. */
  readonly typeNames: readonly string[];
  /** Dubbo's parameter-types descriptor. */
  readonly descriptor: string;
}

export function typedCall(
  signatures: readonly MethodSignature[], method: string, args: readonly unknown[], options: { policy: ClassPolicy; catalog: TypeCatalog },
): TypedCall {
  const types = typesFor(method, args, {}, signatures, options.policy, options.catalog);
  for (const type of types.params) checkTypeAllowed(type, options.policy);
  return {
    params: types.params,
    values: argumentsFromJson(args, types.params, options),
    returns: types.returns,
    typeNames: types.params.map(javaTypeName),
    descriptor: types.params.map(jvmDescriptor).join(''),
  };
}
