/**
 * Reading pmesh.yaml: YAML syntax errors and schema problems both come back as a
 * list of `path: message` lines, so the user fixes everything in one go.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { ZodIssue } from 'zod';
import { MeshError } from '../core/index.js';
import { configSchema, type ClusterConfig, type MeshConfig } from './schema.js';
import { resolveServiceRoutes } from './service-routes.js';

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
  const document = parseDocument(text, { prettyErrors: false });
  if (document.errors.length > 0) {
    throw new ConfigError(source, document.errors.map((e) => `yaml: ${e.message.split('\n')[0]}`));
  }
  const raw: unknown = document.toJS() ?? {};
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(source, parsed.error.issues.map(describeIssue));
  const config = parsed.data;
  if (checkers) {
    const problems: string[] = [];
    config.listeners.forEach((listener, i) => {
      if (!checkers.isProtocol(listener.protocol)) problems.push(`listeners[${i}].protocol: unknown protocol "${listener.protocol}"`);
    });
    config.clusters.forEach((cluster, i) => {
      if (!checkers.isProtocol(cluster.protocol)) problems.push(`clusters[${i}].protocol: unknown protocol "${cluster.protocol}"`);
      const balancerProblem = checkers.balancerProblem(cluster.balancer);
      if (balancerProblem) problems.push(`clusters[${i}].balancer: ${balancerProblem}`);
    });
    const registryProblem = checkers.checkRegistry?.(config.registry);
    if (registryProblem) problems.push(registryProblem);
    if (problems.length > 0) throw new ConfigError(source, problems);
  }
  return resolveServiceRoutes(config);
}

export function loadConfigFile(path: string, checkers?: ConfigCheckers): MeshConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [`cannot read file: ${(error as Error).message}`]);
  }
  return parseConfig(text, path, checkers);
}
