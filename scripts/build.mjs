// Bundles src/ into dist/ with esbuild when the inputs changed since the last build
// (scripts/freshness.cjs says whether they did). `pmesh` runs dist/ when it is fresh and the
// sources through tsx otherwise, so a stale build is never run. Run as a script
// (`node scripts/build.mjs`), it builds if needed.
//
// Why a bundle rather than one .js file per .ts file: Node resolves, reads and compiles
// each module on its own, and the sidecar's ~220 modules plus the ~130 of the libraries
// it needs at start cost it tens of milliseconds of CPU and megabytes of memory. The
// bundle is split where the code loads lazily (`await import()`: the sidecar behind
// `pmesh start`, tracing, the CLI's other commands), so what `pmesh start` loads is a few
// files, all CommonJS (OUT_EXTENSION). Types are not checked (esbuild strips them): that is
// `npm run lint`'s job, and a type error never stops the sidecar from starting.
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIST, KEY_FILE, ROOT, STATS_FILE, inputFiles, inputStats, readDist, sourceKey } from './freshness.cjs';

/**
 * The libraries put into the bundle: pure JavaScript every start loads, each with the
 * packages only it uses. pino is among them because the sidecar uses no pino transport: the
 * worker files a transport would look for by path are never needed. Every other package
 * stays in node_modules and is loaded from there: those loaded lazily (lazyRequire), and
 * those that find files of their own at run time (grpc's protos).
 *
 * The tracing SDK and its API are bundled too, into the lazily loaded tracing chunk: their
 * packages declare no side effects, so only what the sidecar uses of them is kept. The API
 * keeps its globals and context keys under process-wide keys (`Symbol.for`), so this copy
 * and one a library loads from node_modules share them; the only such library in the
 * sidecar is prom-client, whose stand-in (LAZY_OTEL_API_FOR_PROM_CLIENT) is never asked.
 * Loaded whole from node_modules the SDK held 3.5 MiB of a traced sidecar's old space for
 * good, and the API 0.35 MiB. Under load every 100 KB or so more that a sidecar keeps there
 * brings its full GCs sooner, on every call's account (docs/tracing.md, "Issue 12, fifth
 * round" and "ninth round").
 *
 * `yaml` is bundled too, but into a file of its own (yamlOnItsOwn).
 */
const BUNDLED = new Set([
  'zod',
  'lossless-json',
  ...['prom-client', 'tdigest', 'bintrees'],
  ...['pino', '@pinojs/redact', 'atomic-sleep', 'on-exit-leak-free', 'pino-abstract-transport', 'pino-std-serializers'],
  ...['process-warning', 'quick-format-unescaped', 'real-require', 'safe-stable-stringify', 'sonic-boom', 'split2', 'thread-stream'],
  ...['api', 'core', 'semantic-conventions', 'resources', 'sdk-trace-base', 'sdk-trace', 'propagator-b3'].map((name) => `@opentelemetry/${name}`),
  ...['exporter-trace-otlp-proto', 'exporter-trace-otlp-http', 'exporter-zipkin', 'otlp-exporter-base', 'otlp-transformer', 'sdk-logs', 'sdk-metrics'].map((name) => `@opentelemetry/${name}`),
]);

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Bare imports stay imports unless their package is BUNDLED (Node's own modules: builtinsThroughRequire). */
const keepPackagesExternal = {
  name: 'keep-packages-external',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, ({ path }) => {
      if (!BUNDLED.has(packageName(path))) return { path, external: true };
      return undefined;
    });
  },
};

/**
 * Node's own modules that only some configs use: TLS (listeners or clusters with `tls`,
 * the admin API over HTTPS), HTTP/2 (gRPC clusters), crypto (certificates, some ids and
 * hashes), HTTP over TLS (prom-client's push gateway, which the sidecar never uses) and
 * zlib. Each is required the first time one of its exports is read, not at start: together
 * they are some 60 internal modules and 3 to 5 MiB of RSS (node:http2 alone pages in
 * nghttp2 and its bindings).
 */
const LAZY_BUILTINS = new Set(['tls', 'https', 'http2', 'crypto', 'zlib', 'fs/promises']);

/**
 * Every import of a Node module, ours or a bundled library's, becomes a `require()`.
 * An ES `import` of a Node module makes Node build an ES facade for it, and that reads
 * every export once, running the lazy getters Node puts behind the costly ones:
 * `import ... from 'node:tls'` builds `tls.rootCertificates` (140 PEM strings, 0.3 MiB),
 * `node:crypto` loads WebCrypto, `node:net` BlockList and SocketAddress, `node:util`
 * MIMEType. Instead each module is handed to the bundle as a stand-in (builtinStandIn).
 */
const builtinsThroughRequire = {
  name: 'builtins-through-require',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, ({ path, namespace, kind }) => {
      if (path.startsWith(GETTERS_PREFIX)) return { path, namespace: 'pmesh-builtin' };
      if (!isBuiltin(path)) return undefined;
      const id = path.startsWith('node:') ? path : `node:${path}`;
      // The stand-in's own require() of the module, and a bundled library's require() of one
      // not loaded lazily (an ES stand-in required would be made whole, every export read): left to Node.
      if (namespace === 'pmesh-builtin' || (kind === 'require-call' && !LAZY_BUILTINS.has(id.slice('node:'.length)))) return { path, external: true };
      return { path: id, namespace: 'pmesh-builtin' };
    });
    build.onLoad({ filter: /.*/, namespace: 'pmesh-builtin' }, ({ path }) => ({
      contents: path.startsWith(GETTERS_PREFIX) ? lazyGetters(path.slice(GETTERS_PREFIX.length), accessorNames(path.slice(GETTERS_PREFIX.length))) : builtinStandIn(path),
      loader: 'js',
      resolveDir: ROOT,
    }));
  },
};

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
/** The module of a Node module's lazy getters (accessorNames): `${GETTERS_PREFIX}node:fs`. */
const GETTERS_PREFIX = 'pmesh-builtin-getters:';

/** A Node module's exports, as this Node has them (the build runs on the Node that runs it: scripts/freshness.cjs keys the build on its version). */
function exportNames(id) {
  return Object.getOwnPropertyNames(createRequire(import.meta.url)(id)).filter((name) => IDENTIFIER.test(name) && name !== 'default');
}

/** The exports Node makes getters that load on first read: `fs.promises` (the whole of fs/promises), `net.BlockList`, `util.MIMEType`... */
function accessorNames(id, names = exportNames(id)) {
  const real = createRequire(import.meta.url)(id);
  return names.filter((name) => Object.getOwnPropertyDescriptor(real, name)?.get !== undefined);
}

/**
 * A CommonJS module whose exports `names` are getters that require the real module `id` on
 * first read. The getters sit on its prototype, not on the module itself: esbuild's interop
 * (`__toESM`) gives every file importing a CommonJS module its own object, made from the
 * module's prototype plus a getter per own property, so getters of its own were copied at
 * each of the 17 imports a start evaluates (1,100 closures more).
 */
function lazyGetters(id, names) {
  return `
let real;
const load = () => (real ??= require(${JSON.stringify(id)}));
const getters = {};
for (const name of ${JSON.stringify(names)}) Object.defineProperty(getters, name, { get: () => load()[name], enumerable: true });
module.exports = Object.create(getters);`;
}

/**
 * The stand-in of a Node module, its exports named as this Node has them.
 * - Most: an ES module of one binding per export, each read from the required module by a
 *   call marked pure, so esbuild keeps only the exports the bundle imports (no copy of
 *   every export, as esbuild's interop for a required module would make: a getter each).
 *   An export imported anywhere in the bundle is read when the stand-in loads, so Node's
 *   own lazy getters are exported through lazyGetters instead, and read when used: the
 *   tracing chunk's `import { promises } from 'fs'` loaded fs/promises (with readline and
 *   the file watchers, 1 MiB) at every start.
 * - LAZY_BUILTINS: lazyGetters of every export, the module required on first read.
 */
function builtinStandIn(id) {
  const names = exportNames(id);
  if (LAZY_BUILTINS.has(id.slice('node:'.length))) return lazyGetters(id, names);
  const accessors = accessorNames(id, names);
  // Its own names cannot be those of an export: Node names none with two underscores first.
  return [
    `const __module = require(${JSON.stringify(id)});`,
    'const __read = (name) => __module[name];',
    'export default __module;',
    ...names.filter((name) => !accessors.includes(name)).map((name) => `export const ${name} = /* @__PURE__ */ __read(${JSON.stringify(name)});`),
    ...(accessors.length > 0 ? [`export { ${accessors.join(', ')} } from ${JSON.stringify(`${GETTERS_PREFIX}${id}`)};`] : []),
  ].join('\n');
}

/**
 * prom-client requires @opentelemetry/api when it loads, for one thing: its CPU counter reads
 * the active span when exemplars are on, which the sidecar never turns on. Handing it a
 * stand-in that requires the real package on first use keeps the package's 44 files out of
 * every start (the real one stays shared with the tracing SDK when something does use it).
 */
const LAZY_OTEL_API_FOR_PROM_CLIENT = `
let api;
const load = () => (api ??= require('@opentelemetry/api'));
module.exports = new Proxy({}, { get: (_, name) => load()[name], has: (_, name) => name in load() });`;

const lazyOtelApiForPromClient = {
  name: 'lazy-otel-api-for-prom-client',
  setup(build) {
    build.onResolve({ filter: /^@opentelemetry\/api$/ }, ({ importer, namespace }) => {
      // The stand-in's own require: the package in node_modules, not the copy bundled into the tracing chunk.
      if (namespace === 'pmesh-lazy') return { path: '@opentelemetry/api', external: true };
      return /[\\/]node_modules[\\/]prom-client[\\/]/.test(importer) ? { path: 'prom-client-otel-api', namespace: 'pmesh-lazy' } : undefined;
    });
    build.onLoad({ filter: /.*/, namespace: 'pmesh-lazy' }, () => ({ contents: LAZY_OTEL_API_FOR_PROM_CLIENT, loader: 'js', resolveDir: ROOT }));
  },
};

/**
 * Parts of bundled libraries that a start would load for nothing, each handed a stand-in
 * (a library's `require()` of `specifier` from a file under `node_modules/<importer>/`):
 * - prom-client's push gateway, which the sidecar never uses: loading it loads zlib (it
 *   reads `gzipSync` as it loads), HTTP and URL parsing. Its stand-in fails when used.
 * - pino's worker transports (thread-stream), which the sidecar never configures: bundled
 *   still, but evaluated when a transport is first made rather than when pino loads.
 * - sonic-boom's and thread-stream's `assert`, called on rare paths: node:assert (and its
 *   error classes) are required on the first call.
 */
const LIBRARY_STAND_INS = [
  {
    importer: 'prom-client',
    specifier: './lib/pushgateway',
    contents: "module.exports = class Pushgateway { constructor() { throw new Error('prom-client\\'s Pushgateway is not part of the pmesh bundle'); } };",
  },
  {
    importer: 'pino',
    specifier: 'thread-stream',
    contents: "let real; module.exports = function ThreadStream(...args) { real ??= require('pmesh-real:thread-stream'); return new real(...args); };",
  },
  ...['sonic-boom', 'thread-stream'].map((importer) => ({
    importer,
    specifier: 'assert',
    contents: "module.exports = function assert(...args) { return require('node:assert')(...args); };",
  })),
];

const libraryStandIns = {
  name: 'library-stand-ins',
  setup(build) {
    build.onResolve({ filter: /.*/ }, ({ path, importer }) => {
      const index = LIBRARY_STAND_INS.findIndex((standIn) => standIn.specifier === path && importer.includes(`/node_modules/${standIn.importer}/`));
      if (index >= 0) return { path: String(index), namespace: 'pmesh-library-stand-in' };
      // The stand-in's own require of the real package: bundled, evaluated on first require.
      if (path.startsWith('pmesh-real:')) return build.resolve(path.slice('pmesh-real:'.length), { kind: 'require-call', resolveDir: ROOT });
      return undefined;
    });
    build.onLoad({ filter: /.*/, namespace: 'pmesh-library-stand-in' }, ({ path }) => ({ contents: LIBRARY_STAND_INS[Number(path)].contents, loader: 'js', resolveDir: ROOT }));
  },
};

/**
 * zod 3's ZodType constructor binds 24 of its methods to every schema object it makes
 * (`this.parse = this.parse.bind(this)`, `this.optional = ...`), so that a method can be
 * passed around detached. Neither zod itself nor the sidecar does that, and the config
 * schema is some 450 such objects: 13,000 bound functions and the property arrays holding
 * them, 1.2 MiB of the heap of every sidecar. The build drops those lines; calls go to the
 * prototype's methods, which the bound ones wrapped. A zod whose constructor no longer has
 * them fails the build, so an upgrade is looked at rather than silently patched.
 */
const ZOD_BOUND_METHOD = /^[ \t]*this\.(\w+) = this\.\1\.bind\(this\);\r?\n/gm;
const ZOD_BOUND_METHODS = 24;

const zodWithoutBoundMethods = {
  name: 'zod-without-bound-methods',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]zod[\\/]v3[\\/]types\.js$/ }, ({ path }) => {
      const source = readFileSync(path, 'utf8');
      const bound = source.match(ZOD_BOUND_METHOD)?.length ?? 0;
      if (bound !== ZOD_BOUND_METHODS) throw new Error(`zod's ZodType binds ${bound} methods, not the ${ZOD_BOUND_METHODS} scripts/build.mjs removes: check zod's constructor`);
      return { contents: source.replace(ZOD_BOUND_METHOD, ''), loader: 'js' };
    });
  },
};

/**
 * The YAML parser is needed only while a config is read, but an ES module stays loaded for
 * the process's life, and in a chunk the parser held 0.6 MiB of every idle sidecar's heap.
 * So it is bundled as one CommonJS file of its own, dist/yaml.cjs, which
 * src/config/yaml.ts requires for each use and lets go after it. This plugin points
 * src/config/yaml-module.ts at that file (the chunks are one folder below dist/).
 */
const YAML_FILE = 'yaml.cjs';
const yamlOnItsOwn = {
  name: 'yaml-on-its-own',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]config[\\/]yaml-module\.ts$/ }, () => ({
      contents: `import { fileURLToPath } from 'node:url';\nexport const YAML_MODULE = fileURLToPath(new URL('../${YAML_FILE}', import.meta.url));`,
      loader: 'js',
      resolveDir: ROOT,
    }));
  },
};

/** How every CommonJS file of dist/ is written: for this Node, mapped back to its sources, minified (names too: see esmBundle). */
const COMMON_JS_OUTPUT = { format: 'cjs', platform: 'node', target: 'node20', sourcemap: 'linked', minifyWhitespace: true, minifySyntax: true, minifyIdentifiers: true, logLevel: 'warning' };

/** dist/yaml.cjs: the `yaml` package as one CommonJS file (yamlOnItsOwn). */
async function bundleYaml(esbuild, outdir) {
  await esbuild.build({
    absWorkingDir: ROOT,
    stdin: { contents: "module.exports = require('yaml');", resolveDir: ROOT, sourcefile: 'yaml-on-its-own.cjs' },
    outfile: join(outdir, YAML_FILE),
    bundle: true,
    ...COMMON_JS_OUTPUT,
  });
}

/**
 * What the bundle is written as: CommonJS files (`.cjs`), loaded by Node's CommonJS loader.
 * esbuild splits a bundle into lazily loaded chunks only as ES modules, but an ES module run
 * anywhere in a process makes Node start its ES module loader: 21 internal modules more
 * (`internal/modules/esm/*`, and `fs/promises` with readline and the file watchers) and
 * libuv's four pool threads, which read the entry file; 1.9 MiB of an idle bare node, 0.3 to
 * 0.4 of the sidecar's (docs/performance.md, "A CommonJS bundle"). So the bundle is made in
 * two passes: esbuild splits it as ES modules (esmBundle), then each output file is turned
 * into CommonJS on its own (asCommonJs), its `import`s of other chunks becoming `require()`s.
 * What the first pass loads lazily (`await import()` of a chunk) is required then, still only
 * when that line runs. `import()` of anything else (a user's codec plugin, tsx for one
 * written in TypeScript) stays an ES `import()`, and starts the ES module loader only in a
 * process that uses one.
 */
const OUT_EXTENSION = '.cjs';

/** The first pass: src/cli/main.ts and its lazily imported parts as ES modules split into chunks, into `outdir` (files named .cjs already). */
async function esmBundle(esbuild, outdir) {
  const { metafile } = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { 'cli/main': 'src/cli/main.ts' },
    outdir,
    outExtension: { '.js': OUT_EXTENSION },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    // A package's ES build before its CommonJS one (esbuild's default for Node is the reverse): only ES modules can have
    // what is not used dropped, which is why the tracing SDK is bundled (BUNDLED).
    mainFields: ['module', 'main'],
    target: 'node20',
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: 'linked',
    // Shorter source is less to parse and less held in memory (V8 keeps every module's text, and
    // the names in its scope infos): local names too, 0.8 MiB of idle RSS. `node --enable-source-maps`
    // gives stack traces their names and src/ lines back; logged errors name their type from
    // `error.name` (src/core/log.ts), which each error class of ours sets.
    minifyWhitespace: true,
    minifySyntax: true,
    minifyIdentifiers: true,
    plugins: [lazyOtelApiForPromClient, libraryStandIns, zodWithoutBoundMethods, yamlOnItsOwn, builtinsThroughRequire, keepPackagesExternal],
    logLevel: 'warning',
    metafile: true,
  });
  return metafile;
}

/**
 * In each first-pass file, `import("./chunk.cjs")` of another chunk becomes a `require()` of it
 * made when the line runs, as the `import()` was: what a chunk exports is the same object to
 * the code awaiting it (esbuild's CommonJS output of an ES module exports its names, `default`
 * included). esbuild's metafile names every such import, so only those literal strings change.
 */
function requireChunksLazily(metafile) {
  for (const [output, { imports }] of Object.entries(metafile.outputs)) {
    if (!output.endsWith(OUT_EXTENSION)) continue;
    const chunks = imports.filter((imported) => imported.kind === 'dynamic-import' && !imported.external);
    if (chunks.length === 0) continue;
    const file = join(ROOT, output);
    let source = readFileSync(file, 'utf8');
    for (const imported of new Set(chunks.map(({ path }) => relative(dirname(file), join(ROOT, path))))) {
      const specifier = JSON.stringify(imported.startsWith('.') ? imported : `./${imported}`);
      const call = `import(${specifier})`;
      if (!source.includes(call)) throw new Error(`scripts/build.mjs: ${output} has no ${call} to make a require()`);
      source = source.replaceAll(call, `Promise.resolve().then(() => require(${specifier}))`);
    }
    writeFileSync(file, source);
  }
}

/** Every file under `dir` whose name ends in `extension`, with its path. */
function filesEndingIn(dir, extension) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(extension))
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * The second pass: each first-pass file in `esmDir` as CommonJS in `outdir`, at the same path.
 * esbuild reads each input's source map, so the maps still lead to src/. `import.meta` has no
 * CommonJS counterpart of its own: its `url` and `dirname` are made from the file's own
 * `__filename` and `__dirname`.
 */
async function asCommonJs(esbuild, esmDir, outdir) {
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: filesEndingIn(esmDir, OUT_EXTENSION),
    outbase: esmDir,
    outdir,
    outExtension: { '.js': OUT_EXTENSION },
    bundle: false,
    ...COMMON_JS_OUTPUT,
    define: { 'import.meta.url': '__pmeshImportMetaUrl', 'import.meta.dirname': '__dirname' },
    // "use strict" first: a banner comes before esbuild's own, which would then be no directive (ES modules are strict).
    banner: { js: '"use strict";const __pmeshImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  });
}

/** Compiles into `outdir`: dist/cli/main.cjs (what bin/pmesh.js requires), its chunks in dist/chunks/, and dist/yaml.cjs. */
async function bundle(outdir) {
  // esbuild comes with tsx (a dependency: it runs the sources when there is no fresh build),
  // at the version tsx was released with; asked for through tsx, not hoisting.
  const require = createRequire(import.meta.url);
  const esbuild = createRequire(require.resolve('tsx/package.json'))('esbuild');
  const esmDir = `${outdir}-esm`;
  try {
    const metafile = await esmBundle(esbuild, esmDir);
    // What each chunk holds, to see what a start loads: PMESH_BUILD_METAFILE=meta.json npm run build.
    if (process.env.PMESH_BUILD_METAFILE) writeFileSync(process.env.PMESH_BUILD_METAFILE, JSON.stringify(metafile));
    requireChunksLazily(metafile);
    await asCommonJs(esbuild, esmDir, outdir);
  } finally {
    rmSync(esmDir, { recursive: true, force: true });
  }
  await bundleYaml(esbuild, outdir);
}

/**
 * Builds dist/ unless it is fresh. Bundles into a folder of its own beside dist/ and swaps
 * it in, so a process starting meanwhile sees the old build or the new one, and two builds
 * at once do not mix their files. The stats are taken before the key and the key before
 * the bundle: a file edited meanwhile leaves a build whose key or stats do not match.
 */
export async function build({ log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const files = inputFiles();
  const stats = inputStats(files);
  const key = sourceKey(files);
  if (readDist(KEY_FILE) === key) {
    // Same contents, new mtimes (a checkout, a clone): record them, so starts take the cheap check.
    if (readDist(STATS_FILE) !== stats) writeFileSync(join(DIST, STATS_FILE), stats);
    return false;
  }
  log('pmesh: bundling src/ into dist/ (esbuild)...');
  const staging = join(ROOT, `.dist-${process.pid}`);
  try {
    await bundle(staging);
    writeFileSync(join(staging, STATS_FILE), stats);
    writeFileSync(join(staging, KEY_FILE), key);
    const old = join(ROOT, `.dist-old-${process.pid}`);
    if (existsSync(DIST)) renameSync(DIST, old);
    try {
      renameSync(staging, DIST);
    } catch (error) {
      // Another build swapped its dist/ in meanwhile: fine if it is of the same sources.
      if (readDist(KEY_FILE) !== key) throw error;
    }
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await build();
