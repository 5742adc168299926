/**
 * Consistent hashing on a ring (Karger et al.; Dubbo's ConsistentHashLoadBalance,
 * Envoy's ring_hash): each endpoint owns `virtualNodes` points on a 32-bit ring,
 * scaled by its weight; a call's key is hashed and goes to the next point clockwise.
 * The same key always lands on the same endpoint while it is there, and removing an
 * endpoint moves only the keys it owned.
 *
 * The key comes from a header (HTTP, gRPC), an attachment (Dubbo attachment, Bolt
 * header map), or an argument by index, as Dubbo's `hash.arguments` (Java's
 * `String.valueOf` of the argument). Reading an argument decodes the pass-through
 * body, so it costs a decode per call. A call without the key goes to a random
 * endpoint (Envoy does the same).
 */
import { z } from 'zod';
import { fnv1a, type Endpoint, type Invocation } from '../../core/index.js';
import { EMPTY_CATALOG, type JavaValue } from '../../bridge/index.js';
import { getProtocol } from '../../codecs/index.js';
import type { Balancer, BalancerPlugin, Picker } from './picker.js';

const optionsSchema = z
  .object({
    /** Where the key is read; exactly one of the three. */
    hashOn: z
      .object({
        header: z.string().min(1).optional(),
        attachment: z.string().min(1).optional(),
        argument: z.number().int().min(0).optional(),
      })
      .strict()
      .refine((on) => Object.values(on).filter((v) => v !== undefined).length === 1, {
        message: 'name exactly one of header, attachment, argument',
      }),
    /** Points per endpoint of weight equal to the largest (Dubbo's default 160). */
    virtualNodes: z.number().int().min(1).max(1_000).default(160),
  })
  .strict();

type Options = z.infer<typeof optionsSchema>;

/** FNV-1a over UTF-16 units, then murmur3's finalizer so near keys spread over the ring. */
export function hash32(text: string): number {
  let h = fnv1a(text);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function valueText(value: JavaValue | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value === null) return 'null';
  if ('value' in value && (typeof value.value !== 'object' || value.value === null)) return String(value.value);
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

function argumentOf(invocation: Invocation, index: number): string | undefined {
  if (invocation.body.kind === 'decoded') return valueText(invocation.body.values[index] as JavaValue | undefined);
  const bridge = invocation.frame === undefined ? undefined : getProtocol(invocation.protocol)?.bridge.typed;
  if (!bridge) return undefined;
  try {
    return valueText(bridge.readRequest(invocation.frame, EMPTY_CATALOG).args[index]);
  } catch {
    return undefined;
  }
}

function keyReader(options: Options): (invocation: Invocation) => string | undefined {
  const { header, attachment, argument } = options.hashOn;
  if (argument !== undefined) return (invocation) => argumentOf(invocation, argument);
  // Headers arrive lower-cased from node:http; attachments keep their case.
  const name = header !== undefined ? header.toLowerCase() : (attachment ?? '');
  return (invocation) => invocation.attachments[name];
}

class RingPicker implements Picker {
  readonly #points: Uint32Array;
  readonly #owners: Endpoint[];
  readonly #endpoints: readonly Endpoint[];
  readonly #key: (invocation: Invocation) => string | undefined;

  constructor(endpoints: readonly Endpoint[], options: Options, key: (invocation: Invocation) => string | undefined) {
    this.#endpoints = endpoints;
    this.#key = key;
    const heaviest = Math.max(1, ...endpoints.map((e) => e.weight));
    const points: Array<[number, Endpoint]> = [];
    for (const endpoint of endpoints) {
      if (endpoint.weight <= 0) continue;
      const count = Math.max(1, Math.round((options.virtualNodes * endpoint.weight) / heaviest));
      for (let i = 0; i < count; i++) points.push([hash32(`${endpoint.address}-${i}`), endpoint]);
    }
    points.sort((a, b) => a[0] - b[0]);
    this.#points = Uint32Array.from(points, ([point]) => point);
    this.#owners = points.map(([, endpoint]) => endpoint);
  }

  pick(invocation: Invocation): Endpoint | undefined {
    const key = this.#key(invocation);
    if (key === undefined || this.#owners.length === 0) {
      return this.#endpoints[Math.floor(Math.random() * this.#endpoints.length)];
    }
    const h = hash32(key);
    // First point at or after h, wrapping to the start.
    let lo = 0;
    let hi = this.#points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#points[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    return this.#owners[lo === this.#points.length ? 0 : lo];
  }
}

export const consistentHash: BalancerPlugin<Options> = {
  parse(raw) {
    const parsed = optionsSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new Error(`${issue.path.join('.') || 'options'}: ${issue.message}`);
    }
    return parsed.data;
  },
  create(options): Balancer {
    const key = keyReader(options);
    return { createPicker: (endpoints) => new RingPicker(endpoints, options, key) };
  },
};
