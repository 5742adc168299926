/**
 * A relayed call's answer as the filter chain sees it (upstream/h2-relay-reply.ts): a
 * Result when the upstream's head comes, whose frame gives the head as a header object
 * and the trailers as a promise; a copy of the Result (`{ ...result }`, as filters make)
 * keeps the same frame. The fields are lists as the relay decoded them.
 */
import { describe, expect, it } from 'vitest';
import { getProtocol, setupProtocols } from '../../../src/codecs/index.js';
import { Cancel, MeshError, type Result, type StreamClientCodec, type StreamResponseFrame } from '../../../src/core/index.js';
import type { CallContext } from '../../../src/proxy/filter.js';
import type { RelayCall } from '../../../src/proxy/h2-frames/relay-call.js';
import { RelayReply } from '../../../src/proxy/upstream/h2-relay-reply.js';

setupProtocols();
const codec = (getProtocol('grpc')!.client as { streams: StreamClientCodec }).streams;
const replyTo = (): RelayReply => new RelayReply({} as RelayCall, codec, { cancel: new Cancel() } as CallContext);

describe('relayed reply', () => {
  it('head, then trailers: the Result and any copy of it carry one frame with both', async () => {
    const reply = replyTo();
    reply.onHead([':status', '200', 'content-type', 'application/grpc', 'x-head', 'h'], false);
    const result: Result = await reply.reply;
    const copy = { ...result };
    expect(result.protocolStatus).toBe(200);
    expect(result.attachments['x-head']).toBe('h');
    const frame = copy.frame as StreamResponseFrame;
    expect(frame).toBe(result.frame);
    expect(frame.trailersOnly).toBe(false);
    expect(frame.headers['content-type']).toBe('application/grpc');
    reply.onTrailers(['grpc-status', '0', 'x-trailer-bin', 'AAE=']);
    reply.onEnd(new MeshError('PMESH_DOWNSTREAM_CLOSED', 'later, ignored'));
    expect(await frame.trailers).toMatchObject({ 'grpc-status': '0', 'x-trailer-bin': 'AAE=' });
  });

  it('a trailers-only head: its status is the trailers', async () => {
    const reply = replyTo();
    reply.onHead([':status', '200', 'content-type', 'application/grpc', 'grpc-status', '5', 'grpc-message', 'nope'], true);
    const frame = (await reply.reply).frame as StreamResponseFrame;
    expect(frame.trailersOnly).toBe(true);
    expect(await frame.trailers).toMatchObject({ 'grpc-status': '5', 'grpc-message': 'nope' });
  });

  it('lost before the head: the reply rejects with why', async () => {
    const reply = replyTo();
    reply.onLost(new MeshError('PMESH_UPSTREAM_CONNECTION_LOST', 'gone'));
    await expect(reply.reply).rejects.toThrow('gone');
  });
});
