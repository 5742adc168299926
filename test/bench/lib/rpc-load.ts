/**
 * Runs the RPC load generator (test/bench/load/rpc-load.ts) as a separate process,
 * so the generator's CPU never counts against, or competes inside, the process
 * being measured, and reads its result line.
 */
import { join } from 'node:path';
import { REPO_ROOT } from '../../support/maven.js';
import { startPeer } from '../../support/process.js';
import { RESULT_PREFIX, START_LINE, STOP_LINE, type LoadOptions, type RpcLoadResult } from '../load/rpc-load.js';

export const RPC_LOAD_SCRIPT = 'test/bench/load/rpc-load.ts';

/** Called when the generator opens and closes its measured window (after connecting, before draining). */
export interface WindowHooks {
  onStart?(): void;
  onStop?(): void;
}

export async function runRpcLoad(options: LoadOptions, hooks: WindowHooks = {}): Promise<RpcLoadResult> {
  const peer = startPeer(`rpc-load ${options.protocol} :${options.port}`, process.execPath, [
    '--import', 'tsx', join(REPO_ROOT, RPC_LOAD_SCRIPT), JSON.stringify(options),
  ], { cwd: REPO_ROOT });
  try {
    await peer.waitFor(new RegExp(`^${START_LINE}$`, 'm'), 60_000);
    hooks.onStart?.();
    await peer.waitFor(new RegExp(`^${STOP_LINE}$`, 'm'), (options.seconds + 60) * 1000);
    hooks.onStop?.();
    const line = await peer.waitFor(new RegExp(`^${RESULT_PREFIX}.*$`, 'm'), 60_000);
    return JSON.parse(line.slice(RESULT_PREFIX.length)) as RpcLoadResult;
  } finally {
    await peer.stop();
  }
}

export function rpcLoadTool(): string {
  return `our codec in a separate Node process (${RPC_LOAD_SCRIPT})`;
}
