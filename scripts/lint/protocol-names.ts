/**
 * Lint: no protocol name in the routing core. The proxy (src/proxy/**), the control
 * plane (src/control/**) and the composition root (src/main.ts) reach protocols only through their plug-ins
 * (src/core/protocol.ts) and the registry (src/codecs/index.ts); a string literal
 * naming a protocol there ('grpc', `dubbo`, a comparison such as
 * `codec.name === 'bolt'`) means a special case crept back in. Comments are not
 * code and are not checked. dependency-cruiser sees imports, not literals, hence this
 * script; it also refuses imports of one protocol's folder from those files.
 *
 * Run by `npm run lint`; exits 1 listing every finding as file:line:column.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** Names that are protocols whether or not a folder of theirs exists yet. */
const KNOWN_PROTOCOLS = ['bolt', 'dubbo', 'http1', 'grpc', 'triple', 'sofarpc'];
/** Folders under src/codecs/ that are shared code, not a protocol. */
const SHARED_CODEC_FOLDERS = new Set(['hessian']);

export interface Finding {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** The protocol names: the known ones and every protocol folder under `codecsDir`. */
export function protocolNames(codecsDir: string): ReadonlySet<string> {
  const folders = readdirSync(codecsDir).filter((name) => !SHARED_CODEC_FOLDERS.has(name) && statSync(join(codecsDir, name)).isDirectory());
  return new Set([...KNOWN_PROTOCOLS, ...folders].map((name) => name.toLowerCase()));
}

/** Every protocol-name literal and protocol-folder import in one source text. */
export function findProtocolNames(file: string, text: string, names: ReadonlySet<string>): Finding[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const findings: Finding[] = [];
  const report = (node: ts.Node, message: string): void => {
    const { line, character } = source.getLineAndCharacterOfPosition(node.getStart(source));
    findings.push({ file, line: line + 1, column: character + 1, message });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      const specifier = node.moduleSpecifier;
      if (specifier && ts.isStringLiteral(specifier)) {
        const folder = /(?:^|\/)codecs\/([^/]+)\//.exec(specifier.text)?.[1];
        if (folder !== undefined) report(specifier, `imports the protocol folder codecs/${folder}/: go through the registry (src/codecs/index.ts)`);
      }
      return;
    }
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      if (names.has(node.text.trim().toLowerCase())) report(node, `names the protocol '${node.text}': declare what differs in its plug-in (src/core/protocol.ts)`);
    } else if (ts.isTemplateExpression(node)) {
      for (const part of [node.head, ...node.templateSpans.map((span) => span.literal)]) {
        if (names.has(part.text.trim().toLowerCase())) report(part, `names the protocol '${part.text.trim()}' in a template: declare what differs in its plug-in (src/core/protocol.ts)`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return findings;
}

/** The files the rule covers: src/proxy/**, src/control/** and src/main.ts, TypeScript only. */
export function coveredFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) files.push(path);
    }
  };
  walk(join(root, 'src/proxy'));
  walk(join(root, 'src/control'));
  files.push(join(root, 'src/main.ts'));
  return files;
}

export function lintProtocolNames(root: string): Finding[] {
  const names = protocolNames(join(root, 'src/codecs'));
  return coveredFiles(root).flatMap((path) => findProtocolNames(relative(root, path), readFileSync(path, 'utf8'), names));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(fileURLToPath(import.meta.url), '../../..');
  const findings = lintProtocolNames(root);
  for (const f of findings) console.error(`${f.file}:${f.line}:${f.column}  ${f.message}`);
  if (findings.length > 0) {
    console.error(`\n${findings.length} protocol name(s) in the routing core or control plane (scripts/lint/protocol-names.ts)`);
    process.exit(1);
  }
  console.log('✔ no protocol names in src/proxy, src/control or src/main.ts');
}
