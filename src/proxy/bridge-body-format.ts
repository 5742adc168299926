/**
 * The contract of a bridged body format (JSON today; MessagePack is planned): limits, and
 * an incremental reader that sees every chunk as it arrives and parses the whole at the end.
 */
export interface BodyLimits {
  /** Largest body, bytes (`bridge.maxBodyBytes`, by default the frame limit). */
  readonly maxBytes: number;
  /** Most values in the arguments (array elements, object members, containers). */
  readonly maxValues: number;
  /** Deepest nesting inside the argument list. */
  readonly maxDepth: number;
}

/** One body format's incremental reader: sees every chunk, then parses the whole. */
export interface BodyReader {
  /** Called with each chunk as it arrives; throws a MeshError (with `details.limit` when a limit stopped it). */
  push(chunk: Buffer): void;
  /** The argument list, from the whole body (every chunk was pushed first). */
  finish(body: Buffer): unknown[];
}

export interface BodyFormat {
  readonly name: string;
  newReader(limits: BodyLimits): BodyReader;
}

