/**
 * Default bounds, shipped safe (docs/reliability.md). Every decoder checks the
 * declared length against these before it allocates.
 */
export interface Limits {
  /** Largest whole frame (header + body) a binary codec accepts, in bytes. */
  readonly maxFrameBytes: number;
  /** Largest header block (Bolt header map, HTTP/1 header section), in bytes. */
  readonly maxHeaderBytes: number;
  /** Most header fields in one request. */
  readonly maxHeaderCount: number;
  /** Largest class name in a Bolt frame, in bytes. */
  readonly maxClassNameBytes: number;
  /** Deepest nesting of a decoded value (Hessian, JSON). */
  readonly maxDepth: number;
  /** Largest HTTP/1 request body the sidecar forwards, in bytes. */
  readonly maxBodyBytes: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_LIMITS: Limits = Object.freeze({
  maxFrameBytes: 8 * MiB,
  maxHeaderBytes: 16 * 1024,
  maxHeaderCount: 100,
  maxClassNameBytes: 1024,
  maxDepth: 64,
  maxBodyBytes: 64 * MiB,
});

export function withLimits(overrides: Partial<Limits> = {}): Limits {
  return Object.freeze({ ...DEFAULT_LIMITS, ...overrides });
}
