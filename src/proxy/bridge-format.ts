/**
 * The bridge's body formats besides JSON: a call whose Content-Type is
 * application/msgpack sends its arguments as a MessagePack array; the answer is
 * MessagePack when the request was, or when Accept asks for it. Mesh errors (no route,
 * bad request...) stay JSON: the listener writes those, for every caller alike.
 */
import type { BodyFormat, BodyLimits } from './bridge-body-format.js';
import { MeshError, type Invocation, type Result } from '../core/index.js';
import { MSGPACK_TYPE, msgpackToTree, namesMsgpack, packMsgpack, type BinaryTreeValue } from '../bridge/index.js';

export function sendsMsgpack(invocation: Invocation): boolean {
  return namesMsgpack(invocation.attachments['content-type']);
}

export function wantsMsgpack(invocation: Invocation): boolean {
  return sendsMsgpack(invocation) || namesMsgpack(invocation.attachments['accept']);
}

/** The arguments of a MessagePack body, as the tree fromJson reads. */
export function msgpackArguments(bytes: Buffer, limits: BodyLimits): unknown[] {
  if (bytes.length === 0) return [];
  const tree = msgpackToTree(bytes, limits.maxDepth + 1, limits.maxValues);
  if (!Array.isArray(tree)) throw new MeshError('PMESH_BAD_REQUEST', 'the body must be a MessagePack array of the arguments');
  return tree;
}

/**
 * MessagePack as a bridge body format. Its bytes are counted by the body reader as they
 * stream; values and depth are measured on the whole body before msgpackr builds
 * anything (values-msgpack.ts), so a small body cannot become a large object graph.
 */
export const MSGPACK_BODY: BodyFormat = {
  name: 'msgpack',
  newReader: (limits) => ({ push: () => {}, finish: (body) => msgpackArguments(body, limits) }),
};

export function msgpackResult(status: number, outcome: Result['status'], tree: BinaryTreeValue): Result {
  const bytes = packMsgpack(tree);
  return {
    status: outcome,
    protocolStatus: status,
    attachments: {},
    rawHeaders: ['content-type', MSGPACK_TYPE, 'content-length', String(bytes.length)],
    body: { kind: 'raw', serialization: 0, bytes },
  };
}
