/**
 * What both sides of the relay do with a connection's stream frames: DATA goes to the
 * other leg of its stream, window updates release blocked legs, a new initial window
 * moves every open leg's send window. The downstream (server) and upstream (client)
 * sides add how streams start and end.
 */
import type { ConnectionEvents, H2Connection } from './connection.js';
import { ErrorCode, Http2ProtocolError, MAX_WINDOW_BYTES } from './frames.js';
import type { Leg, LegOwner } from './leg.js';
import type { RelayCall } from './relay-call.js';
import { StreamMap } from './stream-map.js';

/** `Call`: what a stream's leg belongs to (a relayed call; upstream side: any call on the pool, upstream-call.ts). */
export abstract class StreamTable<Call = RelayCall> implements ConnectionEvents, LegOwner<Call> {
  readonly streams = new StreamMap<Leg<Call>>();
  readonly blocked = new Set<Leg<Call>>();

  abstract onHeaders(conn: H2Connection, streamId: number, headers: readonly string[], listBytes: number, endStream: boolean): void;
  abstract onReset(conn: H2Connection, streamId: number, code: number): void;
  abstract onGoaway(conn: H2Connection, lastStreamId: number, code: number): void;
  abstract onClose(conn: H2Connection, error: Error | undefined): void;
  abstract onLegEnded(leg: Leg<Call>): void;
  /** DATA arrived on `leg` (already passed to the other leg); for the message-size check. */
  protected abstract onDataIn(leg: Leg<Call>, payload: Buffer, flowBytes: number, endStream: boolean): boolean;

  onData(conn: H2Connection, streamId: number, payload: Buffer, flowBytes: number, endStream: boolean): void {
    const leg = this.streams.get(streamId);
    if (!leg || leg.remoteEnded || leg.reset) {
      // A stream already closed here (reset, answered): its bytes still count against the connection window.
      conn.creditConnection(flowBytes);
      return;
    }
    // A peer that sends past the window it was given would make the relay hold what it sends.
    leg.recvWindow -= flowBytes;
    if (leg.recvWindow < 0) throw new Http2ProtocolError(ErrorCode.FLOW_CONTROL_ERROR, `stream ${streamId}: DATA past its window`);
    if (endStream) leg.remoteEnded = true;
    if (!this.onDataIn(leg, payload, flowBytes, endStream)) return;
    leg.other.sendData(payload, endStream, flowBytes);
  }

  onWindow(conn: H2Connection, streamId: number, increment: number): void {
    if (streamId !== 0) {
      const leg = this.streams.get(streamId);
      if (!leg) return;
      leg.sendWindow += increment;
      if (leg.sendWindow > MAX_WINDOW_BYTES) throw new Http2ProtocolError(ErrorCode.FLOW_CONTROL_ERROR, 'stream window over 2^31-1');
      if (leg.queued) leg.pump();
      return;
    }
    for (const leg of this.blocked) {
      leg.pump();
      if (conn.sendWindow <= 0) return;
    }
  }

  onInitialWindow(_conn: H2Connection, delta: number): void {
    for (const leg of this.streams.values()) leg.sendWindow += delta;
    if (delta > 0) for (const leg of this.blocked) leg.pump();
  }

  onPing(_conn: H2Connection): void {}

  onSettings(_conn: H2Connection): void {}
}
