/**
 * The build as a fresh clone sees it (scripts/build.mjs, scripts/freshness.cjs,
 * bin/pmesh.js), on a copy of the checkout in a temp dir: the bundle is built once and
 * then reused, a touched file with the same content keeps it, an edited file is never run
 * from a stale bundle (the sources run through tsx instead), and the bundle finds the
 * files it reads at run time (package.json, the dashboard's static files, the gRPC protos)
 * although it does not keep the sources' folder layout. A start loads no CommonJS file from
 * node_modules (they are in the bundle, or loaded on first use: docs/performance.md), and
 * the bundle imports no OpenTelemetry package but the API (the SDK is in the tracing chunk),
 * and the YAML parser, a file of its own, is let go once a config is read.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { credentials, loadPackageDefinition, type GrpcObject, type ServiceClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { request } from 'undici';
import { freePort } from '../support/ports.js';
import { REPO_ROOT } from '../support/maven.js';
import { startPeer, stopAllPeers } from '../support/process.js';
import { writeConfig } from '../support/sidecar.js';

const exec = promisify(execFile);
/** Printed by the copy's dist/cli/main.cjs once the test marks it: proof that the bundle ran, not the sources. */
const FROM_DIST = 'marker: ran dist/';

const clone = mkdtempSync(join(tmpdir(), 'pmesh-build-'));
for (const path of ['src', 'proto', 'scripts', 'bin', 'package.json', 'package-lock.json', 'tsconfig.json']) {
  cpSync(join(REPO_ROOT, path), join(clone, path), { recursive: true });
}
symlinkSync(join(REPO_ROOT, 'node_modules'), join(clone, 'node_modules'));
afterAll(async () => {
  await stopAllPeers();
  rmSync(clone, { recursive: true, force: true });
});

const build = () => exec(process.execPath, ['scripts/build.mjs'], { cwd: clone });
const version = () => exec(process.execPath, ['bin/pmesh.js', '--version'], { cwd: clone });
/** Puts `line` first in a module, so it runs before the module's own code (which ends in process.exit). */
function prepend(path: string, line: string): void {
  writeFileSync(path, `${line}\n${readFileSync(path, 'utf8')}`);
}
const markDist = () => prepend(join(clone, 'dist/cli/main.cjs'), `process.stderr.write(${JSON.stringify(`${FROM_DIST}\n`)});`);
const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('build and freshness', () => {
  it('bundles once, then finds the bundle fresh', { timeout: 120_000 }, async () => {
    expect((await build()).stderr).toContain('bundling src/ into dist/');
    expect(existsSync(join(clone, 'dist/cli/main.cjs'))).toBe(true);
    expect((await build()).stderr).toBe('');
  });

  it('runs the bundle while it is fresh, also after an mtime changed with the content the same', { timeout: 60_000 }, async () => {
    markDist();
    const fresh = await version();
    expect(fresh.stdout.trim()).toBe(VERSION);
    expect(fresh.stderr).toContain(FROM_DIST);
    const file = join(clone, 'src/core/errors.ts');
    const later = new Date(Date.now() + 60_000);
    utimesSync(file, later, later);
    expect((await version()).stderr).toContain(FROM_DIST);
  });

  it('never runs a stale bundle: an edited source runs through tsx until the next build', { timeout: 120_000 }, async () => {
    prepend(join(clone, 'src/cli/main.ts'), `process.stderr.write('marker: edited source\\n');`);
    const edited = await version();
    expect(edited.stdout.trim()).toBe(VERSION);
    expect(edited.stderr).toContain('marker: edited source');
    expect(edited.stderr).not.toContain(FROM_DIST);
    expect((await build()).stderr).toContain('bundling src/ into dist/');
    const rebuilt = await version();
    expect(rebuilt.stderr).toContain('marker: edited source');
    expect(rebuilt.stderr).not.toContain(FROM_DIST);
  });

  it('the bundle serves the dashboard files and answers on the built-in gRPC API (files it reads at run time)', { timeout: 120_000 }, async () => {
    await build();
    markDist();
    const admin = await freePort();
    const grpcPort = await freePort();
    const config = writeConfig(`admin: { address: 127.0.0.1:${admin} }
listeners:
  - { name: grpc, protocol: grpc, address: 127.0.0.1:${grpcPort} }
clusters: []
`);
    const peer = startPeer('pmesh-built', process.execPath, ['bin/pmesh.js', 'start', '--config', config], { cwd: clone });
    await peer.waitFor(/pmesh sidecar ready/, 60_000);
    expect(peer.output()).toContain(FROM_DIST);

    for (const [path, text] of [['/ui', '<html'], ['/ui/static/app.js', 'import']] as const) {
      const res = await request(`http://127.0.0.1:${admin}${path}`);
      expect(res.statusCode, path).toBe(200);
      expect(await res.body.text()).toContain(text);
    }

    const definition = loadSync(join(REPO_ROOT, 'proto/pmesh/v1/invoke.proto'), { keepCase: false, longs: String, defaults: true });
    const Invoker = ((loadPackageDefinition(definition).pmesh as GrpcObject).v1 as GrpcObject).Invoker as ServiceClientConstructor;
    const client = new Invoker(`127.0.0.1:${grpcPort}`, credentials.createInsecure()) as InstanceType<ServiceClientConstructor> & {
      Invoke(request: object, callback: (error: ServiceError | null) => void): void;
    };
    try {
      const error = await new Promise<ServiceError | null>((resolve) =>
        client.Invoke({ service: 'com.example.NoSuchService', method: 'echo', argumentsJson: '[]' }, (e: ServiceError | null) => resolve(e)),
      );
      // No route for the service: the sidecar's own answer, which it can give only with its proto loaded.
      expect(error?.details).toMatch(/route|NoSuchService/i);
    } finally {
      client.close();
    }
    expect(await peer.stop()).toBe(0);
  });

  it('the tracing SDK and its API are in the bundle: no chunk requires an OpenTelemetry package from node_modules', { timeout: 120_000 }, async () => {
    await build();
    const chunks = join(clone, 'dist', 'chunks');
    const imported = new Set<string>();
    const files = readdirSync(chunks).filter((name) => name.endsWith('.cjs'));
    expect(files.some((name) => name.startsWith('tracing-'))).toBe(true);
    for (const file of files) {
      for (const [, name] of readFileSync(join(chunks, file), 'utf8').matchAll(/(?:\bfrom|\bimport\(|\brequire\()\s*["'](@opentelemetry\/[\w-]+)/g)) imported.add(name!);
    }
    // Loaded whole from node_modules the SDK held 3.5 MiB of every traced sidecar's heap, and the API alone 0.35 MiB (docs/tracing.md, "Issue 12, fifth round" and "ninth round").
    expect([...imported]).toEqual([]);
  });

  it('minifies names, and a logged error still says its type (error.name, not the minified class name)', { timeout: 120_000 }, async () => {
    await build();
    // The bundle is smaller by its local names (0.8 MiB of idle RSS: docs/performance.md); the class the error below is thrown as is one of them.
    expect(readdirSync(join(clone, 'dist', 'chunks')).some((name) => name.endsWith('.cjs') && /class [A-Za-z_$]{1,2}\b/.test(readFileSync(join(clone, 'dist', 'chunks', name), 'utf8')))).toBe(true);
    // A snapshot with a publication the registry refuses: the start logs why, with the error it caught.
    const dataDir = mkdtempSync(join(tmpdir(), 'pmesh-build-data-'));
    const publication = { service: 'com.example.Echo', protocol: 'bolt', host: '127.0.0.1', port: 70000 };
    writeFileSync(join(dataDir, 'registry-embedded.json'), JSON.stringify({ format: 'pmesh-embedded-registry', version: 1, publications: [publication] }));
    const admin = await freePort();
    const config = writeConfig(`admin: { address: 127.0.0.1:${admin} }\nregistry: { type: embedded, dataDir: ${JSON.stringify(dataDir)} }\nlisteners: []\nclusters: []\n`);
    const peer = startPeer('pmesh-built', process.execPath, ['bin/pmesh.js', 'start', '--config', config], { cwd: clone });
    const line = await peer.waitFor(/\{.*skipped a bad publication.*\}/, 60_000);
    expect(JSON.parse(line).err).toMatchObject({ type: 'MeshError', message: expect.stringContaining('port 70000 is out of range') });
    expect(await peer.stop()).toBe(0);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reads the config with the YAML parser of dist/yaml.cjs and lets it go: nothing holds the parser once the sidecar is up', { timeout: 120_000 }, async () => {
    await build();
    // Preloaded into the sidecar (started with --expose-gc): keeps a weak reference to each
    // dist/yaml.cjs it compiles; on SIGUSR2 (a task of its own, so no reference is kept for
    // the task that made it) runs a full GC and prints how many there were and how many are held.
    const preload = join(clone, 'watch-yaml.cjs');
    writeFileSync(
      preload,
      `const Module = require('node:module');
const compile = Module._extensions['.js'];
const refs = [];
Module._extensions['.js'] = function (module, filename) {
  compile.call(this, module, filename);
  if (filename.endsWith('/dist/yaml.cjs')) refs.push(new WeakRef(module.exports));
};
process.on('SIGUSR2', () => {
  gc();
  process.stderr.write('yaml parsers: ' + JSON.stringify({ loaded: refs.length, held: refs.filter((ref) => ref.deref() !== undefined).length }) + '\\n');
});
`,
    );
    const admin = await freePort();
    const config = writeConfig(`admin: { address: 127.0.0.1:${admin} }\nlisteners:\n  - { name: http, protocol: http1, address: 127.0.0.1:${await freePort()} }\nclusters: []\n`);
    const peer = startPeer('pmesh-built', process.execPath, ['--expose-gc', '--require', preload, 'bin/pmesh.js', 'start', '--config', config], { cwd: clone });
    await peer.waitFor(/pmesh sidecar ready/, 60_000);
    peer.child.kill('SIGUSR2');
    const line = await peer.waitFor(/yaml parsers: .*/, 30_000);
    // Required once: the file is parsed once, for the plugins it names and then the whole check (main.ts, loadConfig).
    expect(JSON.parse(line.slice('yaml parsers: '.length))).toEqual({ loaded: 1, held: 0 });
    expect(await peer.stop()).toBe(0);
  });

  it('a start with Bolt, Dubbo, HTTP/1 and gRPC listeners loads no CommonJS file from node_modules, /metrics included, nor Node\'s TLS, HTTPS, HTTP/2, crypto, zlib, fs/promises or ES module loader', { timeout: 120_000 }, async () => {
    await build();
    // Preloaded into the sidecar: on exit, writes every CommonJS module it loaded, and then Node's own.
    const loaded = join(clone, 'loaded-modules.txt');
    const preload = join(clone, 'record-modules.cjs');
    writeFileSync(
      preload,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(loaded)}, [...Object.keys(require.cache), ...process.moduleLoadList].join('\\n')));\n`,
    );
    const [admin, bolt, dubbo, http, grpc] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    const config = writeConfig(`admin: { address: 127.0.0.1:${admin} }
listeners:
  - { name: bolt, protocol: bolt, address: 127.0.0.1:${bolt} }
  - { name: dubbo, protocol: dubbo, address: 127.0.0.1:${dubbo} }
  - { name: http, protocol: http1, address: 127.0.0.1:${http} }
  - { name: grpc, protocol: grpc, address: 127.0.0.1:${grpc} }
clusters: []
`);
    const peer = startPeer('pmesh-built', process.execPath, ['--require', preload, 'bin/pmesh.js', 'start', '--config', config], { cwd: clone });
    await peer.waitFor(/pmesh sidecar ready/, 60_000);
    const metrics = await request(`http://127.0.0.1:${admin}/metrics`);
    expect(metrics.statusCode).toBe(200);
    expect(await metrics.body.text()).toContain('process_cpu_seconds_total');
    expect(await peer.stop()).toBe(0);
    const modules = readFileSync(loaded, 'utf8').split('\n');
    expect(modules).toContain(preload);
    expect(modules.filter((path) => path.includes('node_modules'))).toEqual([]);
    // Loaded on first use (scripts/build.mjs, LAZY_BUILTINS): none of these listeners uses TLS, nor (before a built-in gRPC call) crypto;
    // zlib only for prom-client's push gateway, which the bundle leaves out (LIBRARY_STAND_INS).
    expect(modules).toContain('NativeModule net');
    expect(modules.filter((name) => /^NativeModule (tls|https|http2|_tls_wrap|crypto|zlib)$/.test(name))).toEqual([]);
    // The bundle is CommonJS, run by Node's CommonJS loader: no ES module loader (its translators load
    // only when it runs a module), and fs/promises (with readline and the file watchers) only when first used.
    expect(modules.filter((name) => /^NativeModule (internal\/modules\/esm\/translators|internal\/fs\/promises|fs\/promises)$/.test(name))).toEqual([]);
    expect(modules.filter((path) => path.startsWith(join(clone, 'dist')))).toContain(join(clone, 'dist/cli/main.cjs'));
  });
});
