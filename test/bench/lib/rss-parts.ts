/**
 * What a process's resident memory is made of, read from /proc/<pid>/smaps (Linux):
 * - `binary`: file-backed pages (the `node` binary, shared libraries, ICU data);
 * - `mallocMain`: glibc's main arena (`[heap]`, grown with brk);
 * - `mallocThreads`: glibc's per-thread arenas, one per thread that ever called malloc under
 *   contention (each a 64 MiB-aligned reservation of which only the front is mapped
 *   read-write: the region's start is aligned and a `---p` remainder follows);
 * - `stacks`: thread stacks (`[stack]` and the 8 MiB mappings after a guard page);
 * - `otherAnon`: the rest of the anonymous memory, mostly V8's heap pages and malloc's
 *   blocks of 128 KiB and more, which glibc maps one by one.
 * Kept apart from process-stats.ts: a smaps read costs a few ms, too much for every poll.
 */
import { readFileSync } from 'node:fs';

export interface RssParts {
  readonly rssMiB: number;
  readonly binaryMiB: number;
  readonly mallocMainMiB: number;
  readonly mallocThreadsMiB: number;
  readonly stacksMiB: number;
  readonly otherAnonMiB: number;
}

const ARENA_ALIGN = 64n * 1024n * 1024n;
const STACK_BYTES = 8n * 1024n * 1024n;

interface Mapping {
  readonly start: bigint;
  readonly end: bigint;
  readonly perms: string;
  readonly path: string;
  rssKiB: number;
}

function mappingsOf(pid: number): Mapping[] {
  const mappings: Mapping[] = [];
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      mappings.push({ start: BigInt(`0x${head[1]}`), end: BigInt(`0x${head[2]}`), perms: head[3]!, path: head[4]!, rssKiB: 0 });
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && mappings.length > 0) mappings[mappings.length - 1]!.rssKiB = Number(rss[1]);
  }
  return mappings;
}

export function rssParts(pid: number): RssParts {
  const kib = { binary: 0, mallocMain: 0, mallocThreads: 0, stacks: 0, otherAnon: 0 };
  const mappings = mappingsOf(pid);
  mappings.forEach((mapping, i) => {
    const next = mappings[i + 1];
    const previous = mappings[i - 1];
    const followedByReserve = next !== undefined && next.start === mapping.end && next.perms === '---p' && next.path === '';
    if (mapping.path.startsWith('/')) kib.binary += mapping.rssKiB;
    else if (mapping.path === '[heap]') kib.mallocMain += mapping.rssKiB;
    else if (mapping.path === '[stack]') kib.stacks += mapping.rssKiB;
    else if (mapping.path !== '') kib.otherAnon += mapping.rssKiB; // [vdso], [vvar]...
    else if (mapping.start % ARENA_ALIGN === 0n && followedByReserve && next.end - mapping.start === ARENA_ALIGN) kib.mallocThreads += mapping.rssKiB;
    else if (previous?.perms === '---p' && previous.end === mapping.start && mapping.end - previous.start === STACK_BYTES) kib.stacks += mapping.rssKiB;
    else kib.otherAnon += mapping.rssKiB;
  });
  const mib = (value: number): number => value / 1024;
  return {
    rssMiB: mib(kib.binary + kib.mallocMain + kib.mallocThreads + kib.stacks + kib.otherAnon),
    binaryMiB: mib(kib.binary),
    mallocMainMiB: mib(kib.mallocMain),
    mallocThreadsMiB: mib(kib.mallocThreads),
    stacksMiB: mib(kib.stacks),
    otherAnonMiB: mib(kib.otherAnon),
  };
}

/** One line: `rss 84.1 = binary 42.3 + malloc 4.7 main / 3.1 threads + stacks 0.3 + other anon 33.7`. */
export function describeRssParts(parts: RssParts): string {
  const f = (value: number): string => value.toFixed(1);
  return `rss ${f(parts.rssMiB)} MiB = binary ${f(parts.binaryMiB)} + malloc ${f(parts.mallocMainMiB)} main / ${f(parts.mallocThreadsMiB)} thread arenas + stacks ${f(parts.stacksMiB)} + other anon (V8 pages, large mallocs) ${f(parts.otherAnonMiB)}`;
}
