/**
 * The one guard of the sidecar's own APIs (admin, the app API, SOFARPC's mesh registry API):
 * bound beyond loopback they are served over TLS to holders of a bearer token. This file
 * reads the guard's files, checks a request (token compared in constant time, TLS when
 * asked), answers a refusal, and makes the HTTP or HTTPS server an API runs on. Each
 * refusal is reported to `onRefused`, which the sidecar counts
 * (pmesh_control_refusals_total).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { MeshError } from './errors.js';
import { httpDate } from './utc-time.js';

/** How an API is guarded: its TLS certificate and key, and its bearer token, already read. */
export interface ApiGuard {
  readonly tls?: { readonly cert: string; readonly key: string };
  readonly token?: string;
}

/** The same, as the config names it: files. */
export interface ApiGuardFiles {
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  readonly tokenFile?: string;
}

/** The sidecar's own APIs, as the refusal counter names them (the gRPC registry is part of the app API). */
export type ControlApi = 'admin' | 'app_api' | 'sofa_mesh_api';

/** Counts a refusal of one of the sidecar's own APIs. */
export type CountRefusal = (api: ControlApi, reason: ApiRefusal) => void;

/** Why a request to a guarded API was refused, or a state-changing call (label of the refusal counter). */
export type ApiRefusal = 'unauthorized' | 'plaintext' | 'tls_handshake' | 'not_owner';

/** 127.0.0.0/8, ::1 and localhost: a bind there serves this host only. */
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/;

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host);
}

/**
 * Reads the files `section` names (`admin`, `sofaMeshApi`...): a file that cannot be read or an
 * empty token file is an error naming the field, not a stack trace.
 */
export function readApiGuard(section: string, files: ApiGuardFiles): ApiGuard {
  const read = (field: string, path: string): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw new Error(`${section}.${field}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  };
  const token = files.tokenFile === undefined ? undefined : read('tokenFile', files.tokenFile).trim();
  if (token === '') throw new Error(`${section}.tokenFile: ${files.tokenFile} is empty; put the bearer token in it`);
  return {
    ...(files.tls ? { tls: { cert: read('tls.certFile', files.tls.certFile), key: read('tls.keyFile', files.tls.keyFile) } } : {}),
    ...(token === undefined ? {} : { token }),
  };
}

/**
 * True when two secrets are equal, in time that depends on neither: both are hashed first,
 * so not even their lengths can be told apart by timing.
 */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** What a request to a guarded API shows of itself. */
export interface ApiRequest {
  /** The `authorization` header (or gRPC metadata), if any. */
  readonly authorization: string | undefined;
  /** Whether it came over TLS. */
  readonly tls: boolean;
}

export interface ApiAccessOptions {
  /** The bearer token requests must carry; absent: none needed. */
  readonly token?: string;
  /** Refuse requests that did not come over TLS (an API on a port that serves both). */
  readonly requireTls?: boolean;
  readonly onRefused?: (reason: ApiRefusal) => void;
}

/** Who may use one API: `check` answers undefined to let a request in, or the refusal. */
export class ApiAccess {
  readonly #api: string;
  readonly #options: ApiAccessOptions;

  constructor(api: string, options: ApiAccessOptions = {}) {
    this.#api = api;
    this.#options = options;
  }

  /** Reports a refusal made elsewhere (a failed TLS handshake, a call without its owner's token). */
  report(reason: ApiRefusal): void {
    this.#options.onRefused?.(reason);
  }

  check(request: ApiRequest): MeshError | undefined {
    const { token, requireTls } = this.#options;
    if (requireTls && !request.tls) {
      this.report('plaintext');
      return new MeshError('PMESH_TLS_REQUIRED', `the ${this.#api} is bound beyond loopback and is served over TLS only`);
    }
    if (token !== undefined && !sameSecret(request.authorization ?? '', `Bearer ${token}`)) {
      this.report('unauthorized');
      const why = request.authorization ? 'the bearer token is not the one configured' : 'send authorization: Bearer <token>';
      return new MeshError('PMESH_UNAUTHENTICATED', `the ${this.#api} needs its bearer token: ${why}`);
    }
    return undefined;
  }

  /** Checks an HTTP request; when refused, answers it (401 or 403) and returns false. */
  admit(req: IncomingMessage, res: ServerResponse): boolean {
    const refused = this.check({ authorization: req.headers.authorization, tls: isTls(req.socket) });
    if (refused) answerRefusal(res, refused);
    return refused === undefined;
  }
}

/** 401 with a `www-authenticate` challenge for a missing or wrong token, 403 otherwise; JSON `{error, message}`. */
export function answerRefusal(res: ServerResponse, error: MeshError): void {
  const text = JSON.stringify({ error: error.reason, message: error.message });
  const unauthenticated = error.reason === 'PMESH_UNAUTHENTICATED';
  res.writeHead(unauthenticated ? 401 : 403, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...(unauthenticated ? { 'www-authenticate': 'Bearer' } : {}),
  });
  res.end(text);
}

/** Whether a request's socket is TLS (an HTTPS server's, or one a listener's TLS step handed over). */
export function isTls(socket: Socket | null | undefined): boolean {
  return (socket as { encrypted?: boolean } | null | undefined)?.encrypted === true;
}

/**
 * The server an API runs on: HTTPS when the guard has a certificate, HTTP otherwise; a request
 * `access` refuses is answered before `handler` sees it. TLS handshakes that fail (a plaintext
 * client, one that does not trust the certificate) are reported as `tls_handshake` refusals.
 */
export function guardedHttpServer(guard: ApiGuard, access: ApiAccess, handler: (req: IncomingMessage, res: ServerResponse) => void): Server {
  const admitted = (req: IncomingMessage, res: ServerResponse): void => {
    // Node's own Date header is written with toUTCString, which loads ICU's time-zone data (utc-time.ts).
    res.setHeader('date', httpDate(Date.now()));
    if (access.admit(req, res)) handler(req, res);
  };
  if (!guard.tls) return createServer(admitted);
  const server = createHttpsServer({ cert: guard.tls.cert, key: guard.tls.key }, admitted);
  server.on('tlsClientError', (_error, socket) => {
    access.report('tls_handshake');
    socket.destroy();
  });
  return server;
}
