/**
 * Generates docs/config.md from the config schema (src/config/schema.ts): every field with
 * its type, default, example, whether a change applies while running, and the text of its
 * `.describe()`. `npm run docs:config` writes the file; test/docs/config-reference.test.ts
 * fails when the file and the schema disagree.
 *
 * A description may end with `Example: ...`, shown in the example column.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ZodTypeAny } from 'zod';
import { configSchema } from '../../src/config/index.js';
import { ZOOKEEPER_DEFAULTS } from '../../src/registry/zookeeper/config.js';

export const CONFIG_DOC = resolve(import.meta.dirname, '../../docs/config.md');

/** Fields whose change waits for a restart (everything else applies on reload). */
const RESTART: Readonly<Record<string, string>> = {
  registry: 'restart',
  'sofaMeshApi.address': 'restart',
  'logging.level': 'restart',
  'defaults.drainTimeoutMs': 'restart',
  'defaults.maxHeaderBytes': 'new listeners',
  'defaults.maxHeaderCount': 'new listeners',
  'defaults.maxBodyBytes': 'new listeners',
  'defaults.maxFrameBytes': 'new listeners',
  'defaults.frameReadTimeoutMs': 'new listeners',
  'defaults.appHealthCheckMs': 'restart',
  'defaults.appHealthMaxFailures': 'restart',
  // `pmesh start` sets the process's V8 heap once.
  heap: 'restart',
  // The process tree (primary and its workers) is laid out once at start.
  workers: 'restart',
  // Plug-in modules are imported at start (docs/plugins.md).
  plugins: 'restart',
  // The section is read at start; the files it names are watched and reloaded live.
  identity: 'restart',
  'admin.tls': 'restart',
  'admin.tokenFile': 'restart',
  'sofaMeshApi.tls': 'restart',
  'sofaMeshApi.tokenFile': 'restart',
};

interface Row {
  path: string;
  type: string;
  default: string;
  reload: string;
  description: string;
  example: string;
}

interface Unwrapped {
  core: ZodTypeAny;
  description?: string;
  defaultValue?: unknown;
  optional: boolean;
}

/** Peels optional/default/effects wrappers, keeping the outermost description and the default. */
function unwrap(schema: ZodTypeAny): Unwrapped {
  let current = schema;
  let description: string | undefined;
  let defaultValue: unknown;
  let optional = false;
  for (;;) {
    description ??= current.description;
    const def = current._def as { typeName: string; innerType?: ZodTypeAny; schema?: ZodTypeAny; defaultValue?: () => unknown };
    if (def.typeName === 'ZodOptional') {
      optional = true;
      current = def.innerType!;
    } else if (def.typeName === 'ZodDefault') {
      defaultValue = def.defaultValue!();
      current = def.innerType!;
    } else if (def.typeName === 'ZodEffects' && !isHostPort(current)) {
      current = def.schema!;
    } else {
      return { core: current, description, defaultValue, optional };
    }
  }
}

function isHostPort(schema: ZodTypeAny): boolean {
  return schema.safeParse('127.0.0.1:1').success && !schema.safeParse('nowhere').success;
}

function typeOf(schema: ZodTypeAny): string {
  const def = schema._def as { typeName: string; values?: string[]; checks?: Array<{ kind: string; value?: number; inclusive?: boolean }>; type?: ZodTypeAny; valueType?: ZodTypeAny; schema?: ZodTypeAny };
  switch (def.typeName) {
    case 'ZodEffects':
      return isHostPort(schema) ? 'host:port' : typeOf(unwrap(def.schema!).core);
    case 'ZodString':
      return 'string';
    case 'ZodBoolean':
      return 'boolean';
    case 'ZodEnum':
      return (def.values ?? []).map((v) => `\`${v}\``).join(' | ');
    case 'ZodNumber': {
      const checks = def.checks ?? [];
      const int = checks.some((c) => c.kind === 'int') ? 'integer' : 'number';
      const min = checks.find((c) => c.kind === 'min');
      const max = checks.find((c) => c.kind === 'max')?.value;
      // z.positive() is an exclusive minimum of 0.
      const low = min?.value === undefined ? undefined : min.inclusive === false ? min.value + 1 : min.value;
      if (low !== undefined && max !== undefined) return `${int} ${low}..${max}`;
      return low !== undefined ? `${int} ≥ ${low}` : int;
    }
    case 'ZodArray':
      return `list of ${typeOf(unwrap(def.type!).core)}`;
    case 'ZodRecord':
      return `map of ${typeOf(unwrap(def.valueType!).core)}`;
    case 'ZodObject':
      return 'object';
    default:
      return def.typeName.replace(/^Zod/, '').toLowerCase();
  }
}

function formatDefault(value: unknown, optional: boolean): string {
  if (value === undefined) return optional ? '' : 'required';
  if (typeof value === 'object' && value !== null && Object.keys(value).length === 0) return Array.isArray(value) ? '`[]`' : '';
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
}

function reloadOf(path: string): string {
  for (const [prefix, how] of Object.entries(RESTART)) if (path === prefix || path.startsWith(`${prefix}.`)) return how;
  return 'live';
}

function splitExample(description: string | undefined): { text: string; example: string } {
  if (!description) return { text: '', example: '' };
  const at = description.lastIndexOf('Example: ');
  if (at === -1) return { text: description, example: '' };
  return { text: description.slice(0, at).trim(), example: description.slice(at + 'Example: '.length).trim() };
}

function elementObject(core: ZodTypeAny): ZodTypeAny | undefined {
  const def = core._def as { typeName: string; type?: ZodTypeAny };
  if (def.typeName === 'ZodObject') return core;
  if (def.typeName === 'ZodArray') {
    const element = unwrap(def.type!).core;
    return (element._def as { typeName: string }).typeName === 'ZodObject' ? element : undefined;
  }
  return undefined;
}

function walk(schema: ZodTypeAny, prefix: string, rows: Row[]): void {
  const shape = (schema as unknown as { shape: Record<string, ZodTypeAny> }).shape;
  for (const [key, field] of Object.entries(shape)) {
    const { core, description, defaultValue, optional } = unwrap(field);
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const { text, example } = splitExample(description);
    rows.push({ path, type: typeOf(core), default: formatDefault(defaultValue, optional), reload: reloadOf(path), description: text, example });
    const nested = elementObject(core);
    if (nested) walk(nested, (core._def as { typeName: string }).typeName === 'ZodArray' ? `${path}[]` : path, rows);
  }
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderConfigReference(): string {
  const rows: Row[] = [];
  walk(unwrap(configSchema).core, '', rows);
  const sections = new Map<string, Row[]>();
  for (const row of rows) {
    const top = row.path.split(/[.[]/)[0] ?? row.path;
    sections.set(top, [...(sections.get(top) ?? []), row]);
  }
  const out: string[] = [
    '# Config reference',
    '',
    '<!-- Generated from src/config/schema.ts by `npm run docs:config`; do not edit by hand. -->',
    '',
    'Every field of `pmesh.yaml` (the file `pmesh start --config FILE` or `PMESH_CONFIG` names).',
    'Every field is optional unless its default says `required`; `pmesh validate FILE` checks a',
    'file and names every problem by its path. `[]` in a path is each item of a list.',
    '',
    'The file is watched while the sidecar runs. **Reload** says when a change applies: `live` on',
    'the next call (listeners whose protocol and address stay keep their connections; calls in',
    'flight finish on what they started with), `new listeners` for listeners started after the',
    'change, `restart` at the next start. An invalid change is logged and the running config kept.',
    '',
  ];
  for (const [top, group] of sections) {
    out.push(`## \`${top}\``, '', '| field | type | default | reload | description | example |', '|---|---|---|---|---|---|');
    for (const row of group) {
      out.push(`| \`${row.path}\` | ${cell(row.type)} | ${cell(row.default)} | ${row.reload} | ${cell(row.description)} | ${cell(row.example)} |`);
    }
    out.push('');
    if (top === 'registry') {
      out.push(
        'With `type: zookeeper`, these keys sit beside `type` (checked by the ZooKeeper backend):',
        '',
        '| field | type | default | description |',
        '|---|---|---|---|',
        '| `registry.address` | string | required | `host:port[,host:port...]` of the ensemble |',
        `| \`registry.sessionTimeoutMs\` | integer | \`${ZOOKEEPER_DEFAULTS.sessionTimeoutMs}\` | requested session timeout (the server caps it at 20 × tickTime) |`,
        `| \`registry.retryMs\` | integer | \`${ZOOKEEPER_DEFAULTS.retryMs}\` | pause before retrying a failed registration or read |`,
        `| \`registry.spinDelayMs\` | integer | \`${ZOOKEEPER_DEFAULTS.spinDelayMs}\` | longest random pause between connection attempts |`,
        `| \`registry.requestTimeoutMs\` | integer | \`${ZOOKEEPER_DEFAULTS.requestTimeoutMs}\` | deadline of one ZooKeeper request |`,
        `| \`registry.emptyConfirmMs\` | integer | \`${ZOOKEEPER_DEFAULTS.emptyConfirmMs}\` | how long a provider list must stay empty before a subscription is emptied |`,
        '| `registry.cacheFile` | string | `<dataDir>/registry-zookeeper-<address>.json` | last-known providers, used while ZooKeeper is unreachable |',
        '| `registry.roots` | object | `{ dubbo: /dubbo, sofaRpc: /sofa-rpc }` | tree roots, when the frameworks were told other ones |',
        `| \`registry.application\` | string | \`${ZOOKEEPER_DEFAULTS.application}\` | \`application\` written into the URLs this sidecar registers |`,
        '',
      );
    }
  }
  return out.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  writeFileSync(CONFIG_DOC, renderConfigReference());
  process.stdout.write(`wrote ${join('docs', 'config.md')}\n`);
}
