/**
 * SOFARPC bodies over Hessian (docs/protocols.md), decoded only when asked:
 * pass-through never calls these. A request body is one SofaRequest object followed
 * by one value per `methodArgSigs` entry; a response body is one SofaResponse.
 * Fields are read by name from the class definition, never by position, because
 * Java and sofa-bolt-node order them differently.
 */
import { MeshError } from '../../core/errors.js';
import { HessianReader, DEFAULT_MAX_DEPTH } from '../hessian/reader.js';
import { asList, asMap, isJavaObject, type HessianDialect, type HessianValue, type JavaObject } from '../hessian/values.js';

export const SOFA_REQUEST_CLASS = 'com.alipay.sofa.rpc.core.request.SofaRequest';
export const SOFA_RESPONSE_CLASS = 'com.alipay.sofa.rpc.core.response.SofaResponse';

export interface DecodeOptions {
  /** Deepest nesting accepted (Limits.maxDepth); deeper bodies throw before recursing further. */
  readonly maxDepth?: number;
}

export interface SofaRequestHead {
  readonly dialect: HessianDialect;
  readonly targetServiceUniqueName: string;
  readonly methodName: string;
  readonly targetAppName: string | null;
  readonly methodArgSigs: readonly string[];
  /** `requestProps` as decoded (nested maps stay maps), or null. */
  readonly requestProps: Map<HessianValue, HessianValue> | null;
}

export interface SofaRequestBody extends SofaRequestHead {
  /** One decoded value per signature, in order. */
  readonly args: readonly HessianValue[];
}

export interface SofaResponseBody {
  readonly dialect: HessianDialect;
  readonly isError: boolean;
  readonly errorMsg: string | null;
  /** The return value, or the business exception object (a JavaObject whose class is a Throwable). */
  readonly appResponse: HessianValue;
  readonly responseProps: Map<HessianValue, HessianValue> | null;
}

function codecError(message: string): MeshError {
  return new MeshError('PMESH_CODEC_ERROR', message);
}

/**
 * The dialect of a SOFARPC body, from its first byte: a final-dialect stream starts
 * with the `C` class definition, a legacy one with `O` (docs/protocols.md; goldens).
 */
export function detectDialect(body: Buffer): HessianDialect {
  const first = body[0];
  if (first === 0x43) return 'final';
  if (first === 0x4f) return 'legacy';
  const shown = first === undefined ? 'empty body' : `first byte 0x${first.toString(16).padStart(2, '0')}`;
  throw codecError(`hessian: not a SOFARPC object (${shown})`);
}

function expectObject(value: HessianValue, className: string): JavaObject {
  if (!isJavaObject(value) || value.$class !== className) {
    throw codecError(`hessian: expected ${className}, got ${describe(value)}`);
  }
  return value;
}

function describe(value: HessianValue): string {
  if (value === null) return 'null';
  if (isJavaObject(value)) return value.$class;
  if (Array.isArray(value)) return 'list';
  if (value instanceof Map) return 'map';
  return typeof value;
}

function optionalString(object: JavaObject, field: string): string | null {
  const value = object.$[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw codecError(`hessian: ${object.$class}.${field} is not a string`);
  return value;
}

function optionalMap(object: JavaObject, field: string): Map<HessianValue, HessianValue> | null {
  const value = object.$[field];
  if (value === undefined || value === null) return null;
  const map = asMap(value);
  if (!map) throw codecError(`hessian: ${object.$class}.${field} is not a map`);
  return map;
}

function readHead(reader: HessianReader, dialect: HessianDialect): SofaRequestHead {
  const request = expectObject(reader.read(), SOFA_REQUEST_CLASS);
  const sigsValue = request.$['methodArgSigs'];
  const sigs = sigsValue === null || sigsValue === undefined ? [] : asList(sigsValue);
  if (!sigs || sigs.some((sig) => typeof sig !== 'string')) throw codecError('hessian: SofaRequest.methodArgSigs is not a string list');
  const service = optionalString(request, 'targetServiceUniqueName');
  if (service === null) throw codecError('hessian: SofaRequest.targetServiceUniqueName is missing');
  return {
    dialect,
    targetServiceUniqueName: service,
    methodName: optionalString(request, 'methodName') ?? '',
    targetAppName: optionalString(request, 'targetAppName'),
    methodArgSigs: sigs as string[],
    requestProps: optionalMap(request, 'requestProps'),
  };
}

/** Only the SofaRequest object (service, method, signatures); the arguments are not read. */
export function decodeSofaRequestHead(body: Buffer, options: DecodeOptions = {}): SofaRequestHead {
  const dialect = detectDialect(body);
  return readHead(new HessianReader(body, dialect, options.maxDepth ?? DEFAULT_MAX_DEPTH), dialect);
}

/** The whole request: the SofaRequest and one argument per signature, and nothing after them. */
export function decodeSofaRequest(body: Buffer, options: DecodeOptions = {}): SofaRequestBody {
  const dialect = detectDialect(body);
  const reader = new HessianReader(body, dialect, options.maxDepth ?? DEFAULT_MAX_DEPTH);
  const head = readHead(reader, dialect);
  const args: HessianValue[] = [];
  for (let i = 0; i < head.methodArgSigs.length; i++) args.push(reader.read());
  if (!reader.atEnd) throw codecError(`hessian: ${body.length - reader.position} bytes after the last argument`);
  return { ...head, args };
}

export function decodeSofaResponse(body: Buffer, options: DecodeOptions = {}): SofaResponseBody {
  const dialect = detectDialect(body);
  const reader = new HessianReader(body, dialect, options.maxDepth ?? DEFAULT_MAX_DEPTH);
  const response = expectObject(reader.read(), SOFA_RESPONSE_CLASS);
  if (!reader.atEnd) throw codecError(`hessian: ${body.length - reader.position} bytes after the SofaResponse`);
  const isError = response.$['isError'];
  if (isError !== undefined && typeof isError !== 'boolean') throw codecError('hessian: SofaResponse.isError is not a boolean');
  return {
    dialect,
    isError: isError === true,
    errorMsg: optionalString(response, 'errorMsg'),
    appResponse: response.$['appResponse'] ?? null,
    responseProps: optionalMap(response, 'responseProps'),
  };
}

/**
 * One whole value (e.g. the RpcServerException body of a non-SUCCESS Bolt reply),
 * dialect from the first byte; nothing may follow it.
 */
export function decodeHessianValue(body: Buffer, options: DecodeOptions = {}): HessianValue {
  const dialect = detectDialect(body);
  const reader = new HessianReader(body, dialect, options.maxDepth ?? DEFAULT_MAX_DEPTH);
  const value = reader.read();
  if (!reader.atEnd) throw codecError(`hessian: ${body.length - reader.position} bytes after the value`);
  return value;
}

/** `Class: detailMessage` of a decoded Java Throwable, or undefined when it is not one. */
export function throwableMessage(value: HessianValue): string | undefined {
  if (!isJavaObject(value) || !('detailMessage' in value.$)) return undefined;
  const message = value.$['detailMessage'];
  return typeof message === 'string' ? `${value.$class}: ${message}` : value.$class;
}
