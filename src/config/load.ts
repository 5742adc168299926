/**
 * Reading pmesh.yaml: YAML syntax errors and schema problems both come back as a
 * list of `path: message` lines, so the user fixes everything in one go.
 */
import { readFileSync } from 'node:fs';
import type { ZodIssue } from 'zod';
import { MeshError } from '../core/index.js';
import { crossCheck } from './cross-checks.js';
import { configSchema, type ClusterConfig, type MeshConfig } from './schema.js';
import { resolveServiceRoutes } from './service-routes.js';
import { withYaml } from './yaml.js';

/** Extra checks that need the plugin registries (known protocols, balancers). */
export interface ConfigCheckers {
  isProtocol(name: string): boolean;
  /** What is wrong with a cluster's `balancer` (unknown policy, bad options), or undefined. */
  balancerProblem(spec: ClusterConfig['balancer']): string | undefined;
  /** Validates the `registry:` section with its backend; returns the problem, or undefined. */
  checkRegistry?(raw: Readonly<Record<string, unknown>> & { type: string }): string | undefined;
}

export class ConfigError extends MeshError {
  readonly problems: readonly string[];
  constructor(source: string, problems: readonly string[]) {
    super('PMESH_CONFIG_INVALID', `invalid config ${source}:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

/** `['listeners', 0, 'address']` -> `listeners[0].address` */
export function formatPath(path: readonly (string | number)[]): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text === '' ? part : `.${part}`;
  }
  return text === '' ? '(root)' : text;
}

function describeIssue(issue: ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `${formatPath(issue.path)}: unknown field(s) ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_type' && issue.received === 'undefined') return `${formatPath(issue.path)}: required`;
  return `${formatPath(issue.path)}: ${issue.message}`;
}

export function parseConfig(text: string, source: string, checkers?: ConfigCheckers): MeshConfig {
  const raw = withYaml((yaml): unknown => {
    const document = yaml.parseDocument(text, { prettyErrors: false });
    if (document.errors.length > 0) {
      throw new ConfigError(source, document.errors.map((e) => `yaml: ${e.message.split('\n')[0]}`));
    }
    return document.toJS() ?? {};
  });
  const parsed = configSchema.safeParse(raw);
  const problems = parsed.success ? [] : parsed.error.issues.map(describeIssue);
  if (!parsed.success) {
    // The schema stops before its cross-section checks when a field is invalid: run them on
    // the file as written, so one run names every problem.
    crossCheck(raw, (path, message) => problems.push(`${formatPath(path)}: ${message}`));
  }
  if (checkers) problems.push(...pluginProblems(parsed.success ? parsed.data : raw, checkers));
  if (problems.length > 0) throw new ConfigError(source, [...new Set(problems)]);
  return resolveServiceRoutes(parsed.data!);
}

/** Protocols, balancers and the registry backend, checked by their plugins; reads the config loosely. */
function pluginProblems(input: unknown, checkers: ConfigCheckers): string[] {
  const problems: string[] = [];
  const config = object(input);
  list(config.listeners).forEach((listener, i) => {
    const protocol = object(listener).protocol;
    if (typeof protocol === 'string' && protocol !== '' && !checkers.isProtocol(protocol)) problems.push(`listeners[${i}].protocol: unknown protocol "${protocol}"`);
  });
  list(config.clusters).forEach((raw, i) => {
    const cluster = object(raw);
    if (typeof cluster.protocol === 'string' && cluster.protocol !== '' && !checkers.isProtocol(cluster.protocol)) problems.push(`clusters[${i}].protocol: unknown protocol "${cluster.protocol}"`);
    const balancer = cluster.balancer ?? 'round_robin';
    const balancerProblem = typeof balancer === 'string' || typeof balancer === 'object' ? checkers.balancerProblem(balancer as ClusterConfig['balancer']) : undefined;
    if (balancerProblem) problems.push(`clusters[${i}].balancer: ${balancerProblem}`);
  });
  const registry = object(config.registry);
  const type = registry.type ?? 'embedded';
  if (typeof type === 'string' && type !== '') {
    const registryProblem = checkers.checkRegistry?.({ ...registry, type });
    if (registryProblem) problems.push(registryProblem);
  }
  return problems;
}

const object = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

export function loadConfigFile(path: string, checkers?: ConfigCheckers): MeshConfig {
  return parseConfig(readConfigText(path), path, checkers);
}

/**
 * The `plugins` a config file names, read before the file is checked (the protocols it
 * uses may come from them). A file that cannot be read or parsed names none here: the
 * check that follows reports it.
 */
export function pluginsOf(path: string): string[] {
  try {
    const text = readConfigText(path);
    const plugins = object(withYaml((yaml): unknown => yaml.parseDocument(text, { prettyErrors: false }).toJS())).plugins;
    return Array.isArray(plugins) && plugins.every((entry) => typeof entry === 'string' && entry !== '') ? (plugins as string[]) : [];
  } catch {
    return [];
  }
}

function readConfigText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [`cannot read file: ${(error as Error).message}`]);
  }
}
