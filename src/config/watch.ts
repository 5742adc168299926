/**
 * Watches the config file and hands every valid new version to `onChange`. Editors
 * often replace a file rather than write it, so the directory is watched and events
 * are debounced; an unchanged text or an invalid one changes nothing (the invalid
 * one is reported with every problem named).
 */
import { watch, readFileSync, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { ConfigCheckers } from './load.js';
import { ConfigError, parseConfig } from './load.js';
import type { MeshConfig } from './schema.js';
import type { Logger } from '../core/index.js';

export interface ConfigWatcher {
  close(): void;
}

export function watchConfig(
  path: string,
  checkers: ConfigCheckers,
  onChange: (config: MeshConfig) => void,
  /** Where an invalid version is reported: the one in force stays. */
  log: Pick<Logger, 'error'>,
  debounceMs = 150,
): ConfigWatcher {
  let last = safeRead(path);
  let timer: NodeJS.Timeout | undefined;
  const check = (): void => {
    timer = undefined;
    const text = safeRead(path);
    if (text === undefined || text === last) return;
    last = text;
    try {
      onChange(parseConfig(text, path, checkers));
    } catch (error) {
      const reason = error instanceof ConfigError ? error.message : String(error);
      log.error({ reason: 'PMESH_CONFIG_INVALID', err: reason }, 'changed config is invalid; keeping the one in force');
    }
  };
  const watcher: FSWatcher = watch(dirname(path), (_event, name) => {
    if (name !== null && name !== basename(path)) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(check, debounceMs);
  });
  return {
    close() {
      if (timer) clearTimeout(timer);
      watcher.close();
    },
  };
}

function safeRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
