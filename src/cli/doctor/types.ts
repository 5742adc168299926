/** The shapes doctor's checks pass between them. */

/** One protocol probe's outcome against one address. */
export interface ProbeResult {
  /** The protocol probed: dubbo, bolt, http2 (gRPC), http1. */
  readonly protocol: string;
  readonly answered: boolean;
  /** False when not even the TCP connection was made. */
  readonly connected: boolean;
  readonly rttMs?: number;
  readonly serialization?: string;
  readonly detail?: string;
}

/** The service doctor looks for. */
export interface ServiceQuery {
  readonly service: string;
  readonly version?: string;
  readonly group?: string;
}
