/**
 * Protocol plug-ins from outside the sidecar's sources: the modules the config's `plugins`
 * names (docs/plugins.md). Each module's default export is a ProtocolPlugin or a list of
 * them; it is imported, checked and registered like a built-in one, in the single process and
 * in every worker of `workers: N` (they import the same resolved modules), so a protocol
 * added this way runs wherever the built-in ones do.
 *
 * A module written in TypeScript is loaded through tsx (a dependency of the sidecar: it runs
 * the sources when there is no build) when Node cannot load it by itself, as with the bundle.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getProtocol, registerProtocol, type AnyProtocol } from './index.js';

/** What loading a config's plug-ins gave: the modules as imported (for workers), and what went wrong, by `plugins[i]`. */
export interface LoadedModules {
  readonly modules: readonly string[];
  readonly problems: readonly string[];
}

const TRANSPORTS = new Set(['framed', 'node:http', 'node:http2']);

/**
 * What `import()` is given for a `plugins` entry: a path (relative to the config file's
 * folder, or absolute) as a file URL, a package name as it is.
 */
export function resolvePluginModule(specifier: string, baseDir: string): string {
  const isPath = specifier.startsWith('./') || specifier.startsWith('../') || isAbsolute(specifier);
  return isPath ? pathToFileURL(resolve(baseDir, specifier)).href : specifier;
}

/** Imports and registers each module's protocol plug-ins; a module that cannot be loaded or exports none is a problem, named. */
export async function loadProtocolModules(specifiers: readonly string[], baseDir: string): Promise<LoadedModules> {
  const modules = specifiers.map((specifier) => resolvePluginModule(specifier, baseDir));
  const problems: string[] = [];
  for (const [index, module] of modules.entries()) {
    const problem = await loadOne(module);
    if (problem) problems.push(`plugins[${index}]: ${JSON.stringify(specifiers[index])} ${problem}`);
  }
  return { modules, problems };
}

/** Registers the plug-ins of one module; what is wrong with it, or undefined. */
async function loadOne(module: string): Promise<string | undefined> {
  let exported: unknown;
  try {
    exported = ((await importModule(module)) as { default?: unknown }).default;
  } catch (error) {
    return `could not be loaded: ${firstLine(error)}`;
  }
  const plugins = Array.isArray(exported) ? exported : [exported];
  if (plugins.length === 0 || !plugins.every(isProtocolPlugin)) {
    return 'exports no protocol plug-in: its default export must be a plug-in (name, label, match, server, client, bridge) or a list of them';
  }
  for (const plugin of plugins) {
    const known = getProtocol(plugin.name);
    // The same module loaded again (a second start in one process) registers the same object.
    if (known && known !== plugin) return `exports protocol "${plugin.name}", a name already registered`;
  }
  for (const plugin of plugins) registerProtocol(plugin);
  return undefined;
}

let typeScriptLoader: Promise<void> | undefined;

async function importModule(module: string): Promise<unknown> {
  try {
    return await import(module);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !/\.[cm]?ts$/.test(module)) throw error;
    // The bundle runs without a TypeScript loader: the first TypeScript plug-in installs tsx's.
    typeScriptLoader ??= import('tsx/esm/api').then(({ register }) => void register());
    await typeScriptLoader;
    // Node keeps the failed load of that URL: the same module under another URL is loaded anew.
    return import(`${module}${module.includes('?') ? '&' : '?'}loader=tsx`);
  }
}

function isProtocolPlugin(value: unknown): value is AnyProtocol {
  const plugin = value as Partial<Record<keyof AnyProtocol, unknown>> | undefined;
  return (
    typeof plugin === 'object' &&
    plugin !== null &&
    typeof plugin.name === 'string' &&
    /^[a-z][a-z0-9_-]*$/.test(plugin.name) &&
    typeof plugin.label === 'string' &&
    typeof plugin.match === 'function' &&
    hasTransport(plugin.server) &&
    hasTransport(plugin.client) &&
    typeof plugin.bridge === 'object' &&
    plugin.bridge !== null
  );
}

function hasTransport(side: unknown): boolean {
  return typeof side === 'object' && side !== null && TRANSPORTS.has((side as { transport?: unknown }).transport as string);
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
