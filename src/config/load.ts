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
  override readonly name = 'ConfigError';
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
  return checkConfig(parseYaml(text, source), source, checkers);
}

/** The YAML of a config as plain values; a syntax error is a ConfigError naming every problem. */
function parseYaml(text: string, source: string): unknown {
  return withYaml((yaml): unknown => {
    const document = yaml.parseDocument(text, { prettyErrors: false });
    if (document.errors.length > 0) {
      throw new ConfigError(source, document.errors.map((e) => `yaml: ${e.message.split('\n')[0]}`));
    }
    return document.toJS() ?? {};
  });
}

/** Checks a parsed config (schema, cross-section checks, plugins) and resolves its service routes. */
export function checkConfig(raw: unknown, source: string, checkers?: ConfigCheckers): MeshConfig {
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

/**
 * A config file read and parsed once: main.ts takes the plugins it names (the protocols it
 * uses may come from them) before checking it whole (checkConfig).
 */
export function readConfigFile(path: string): unknown {
  return parseYaml(readConfigText(path), path);
}

/** The `plugins` a parsed config names; none when the field is not a list of paths (the check reports it). */
export function pluginsIn(raw: unknown): string[] {
  const plugins = object(raw).plugins;
  return Array.isArray(plugins) && plugins.every((entry) => typeof entry === 'string' && entry !== '') ? (plugins as string[]) : [];
}

function readConfigText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [`cannot read file: ${(error as Error).message}`]);
  }
}
