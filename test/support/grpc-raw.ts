/**
 * A bare HTTP/2 gRPC caller for the cases no gRPC library lets a test shape: a
 * deadline the client itself does not enforce, headers over a limit, floods, and
 * reading the exact status the sidecar wrote. Messages are protobuf StringValue
 * (helloworld's HelloRequest and HelloReply have the same wire form).
 */
import { connect, type ClientHttp2Session, type ClientSessionOptions, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';

export interface RawReply {
  readonly headers: IncomingHttpHeaders;
  readonly trailers: IncomingHttpHeaders;
  /** grpc-status from the trailers, or from the head of a trailers-only reply. */
  readonly status: number;
  readonly message: string;
  readonly messages: string[];
  /** Set when the stream was reset instead of ending with a status. */
  readonly rstCode?: number;
}

/** One length-prefixed StringValue message. */
export function stringMessage(text: string): Buffer {
  const value = Buffer.from(text, 'utf8');
  const length: number[] = [];
  let n = value.length;
  do {
    length.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  const body = Buffer.concat([Buffer.from([0x0a, ...length]), value]);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(body.length, 1);
  return Buffer.concat([prefix, body]);
}

function readStrings(data: Buffer): string[] {
  const out: string[] = [];
  let at = 0;
  while (at + 5 <= data.length) {
    const length = data.readUInt32BE(at + 1);
    const body = data.subarray(at + 5, at + 5 + length);
    let shift = 0;
    let size = 0;
    let i = 1;
    while (i < body.length) {
      const byte = body[i++]!;
      size |= (byte & 0x7f) << shift;
      shift += 7;
      if (byte < 0x80) break;
    }
    out.push(body.subarray(i, i + size).toString('utf8'));
    at += 5 + length;
  }
  return out;
}

export function rawSession(port: number, options: ClientSessionOptions = {}): ClientHttp2Session {
  const session = connect(`http://127.0.0.1:${port}`, options);
  session.on('error', () => {});
  return session;
}

/** Sends one call on `session` and resolves with what came back, however it ended. */
export function rawCall(session: ClientHttp2Session, path: string, body: Buffer, headers: OutgoingHttpHeaders = {}): Promise<RawReply> {
  return new Promise((resolve) => {
    const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', ...headers });
    let head: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (head = h));
    stream.on('trailers', (t) => (trailers = t));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', () => {});
    stream.on('close', () => {
      const source = trailers['grpc-status'] !== undefined ? trailers : head;
      resolve({
        headers: head,
        trailers,
        status: Number(source['grpc-status'] ?? -1),
        message: decodeURIComponent(String(source['grpc-message'] ?? '')),
        messages: readStrings(Buffer.concat(chunks)),
        rstCode: stream.rstCode ? stream.rstCode : undefined,
      });
    });
    stream.end(body);
  });
}

/** One unary call on a fresh connection. */
export async function rawUnary(port: number, path: string, body: Buffer, headers: OutgoingHttpHeaders = {}): Promise<RawReply> {
  const session = rawSession(port);
  try {
    return await rawCall(session, path, body, headers);
  } finally {
    session.close();
  }
}
