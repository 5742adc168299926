/**
 * Connection-specific fields (RFC 9113 section 8.2.2) never pass from an upstream's reply
 * to the caller, also when a connection remembers the lists it found clean: a list is
 * known again by identity only, so a different list (even one equal to it) is checked.
 */
import { describe, expect, it } from 'vitest';
import { CleanHeads, withoutConnectionHeaders } from '../../../../src/proxy/h2-frames/connection-headers.js';

const HEAD = [':status', '200', 'content-type', 'application/grpc'];
const TRAILERS = ['grpc-status', '0', 'grpc-message', ''];

describe('connection-specific header fields', () => {
  it('drops connection, keep-alive, proxy-connection, transfer-encoding and upgrade, keeps the rest in order', () => {
    const list = [':status', '200', 'connection', 'close', 'x-a', '1', 'keep-alive', 'timeout=5', 'proxy-connection', 'x', 'transfer-encoding', 'chunked', 'upgrade', 'h2c', 'x-b', '2'];
    expect(withoutConnectionHeaders(list)).toEqual([':status', '200', 'x-a', '1', 'x-b', '2']);
  });

  it('hands a clean list back as it is', () => {
    expect(withoutConnectionHeaders(HEAD)).toBe(HEAD);
  });

  it('remembers the lists found clean, and still strips a list that is not one of them', () => {
    const clean = new CleanHeads();
    expect(clean.of(HEAD)).toBe(HEAD);
    expect(clean.of(TRAILERS)).toBe(TRAILERS);
    expect(clean.of(HEAD)).toBe(HEAD);
    expect(clean.of(TRAILERS)).toBe(TRAILERS);
    const dirty = [':status', '200', 'connection', 'close', 'content-type', 'application/grpc'];
    expect(clean.of(dirty)).toEqual(HEAD);
    // A list with a connection field is never remembered as clean.
    expect(clean.of(dirty)).toEqual(HEAD);
    expect(clean.of(dirty)).not.toBe(dirty);
  });
});
