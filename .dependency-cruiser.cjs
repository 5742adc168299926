/**
 * The import rules of docs/architecture.md ("Layers"), enforced by `npm run lint`.
 * core is the vocabulary; codecs translate bytes; proxy routes; registry knows who is
 * out there; main.ts (and the sidecar it builds) connects them.
 */
module.exports = {
  forbidden: [
    {
      name: 'core-imports-nothing',
      comment: 'src/core imports nothing else from src/',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/core/' },
    },
    {
      name: 'codecs-only-core',
      comment: 'a codec imports core (and bolt/dubbo also hessian), never proxy, registry, config or admin',
      severity: 'error',
      from: { path: '^src/codecs/' },
      to: { path: '^src/(proxy|registry|config|admin|main|sidecar|cli)' },
    },
    {
      name: 'codec-not-another-protocol',
      comment: 'a protocol folder does not import another protocol (hessian is shared by bolt and dubbo)',
      severity: 'error',
      from: { path: '^src/codecs/([^/]+)/' },
      to: { path: '^src/codecs/([^/]+)/', pathNot: ['^src/codecs/$1/', '^src/codecs/hessian/'] },
    },
    {
      name: 'proxy-uses-codec-registry-only',
      comment: 'the proxy reaches codecs through src/codecs/index.ts only',
      severity: 'error',
      from: { path: '^src/proxy/' },
      to: { path: '^src/codecs/[^/]+/' },
    },
    {
      name: 'proxy-not-outer-layers',
      severity: 'error',
      from: { path: '^src/proxy/' },
      to: { path: '^src/(registry|config|admin|main|sidecar|cli)' },
    },
    {
      name: 'filters-stand-alone',
      comment: 'a filter imports core and proxy/filter.ts only: not another filter, not a codec',
      severity: 'error',
      from: { path: '^src/proxy/filters/' },
      to: { path: '^src/', pathNot: ['^src/core/', '^src/proxy/filter\\.ts$'] },
    },
    {
      name: 'tracing-only-core',
      comment: 'src/tracing (loaded lazily, only with tracing on) imports core only; its protocol knowledge comes through ProtocolTelemetry',
      severity: 'error',
      from: { path: '^src/tracing/' },
      to: { path: '^src/', pathNot: '^src/(core|tracing)/' },
    },
    {
      name: 'tracing-loaded-lazily',
      comment: 'tracing off costs nothing: outside src/tracing, OpenTelemetry is never imported and src/tracing only by a dynamic import() (or for types)',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/tracing/' },
      to: { path: ['^src/tracing/', '@opentelemetry/'], dependencyTypesNot: ['dynamic-import', 'type-only'] },
    },
    {
      name: 'registry-only-core',
      severity: 'error',
      from: { path: '^src/registry/' },
      to: { path: '^src/(proxy|codecs|config|admin|main|sidecar|cli)' },
    },
    {
      name: 'config-no-implementations',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/(proxy|codecs|registry|admin|main|sidecar|cli)' },
    },
    {
      name: 'admin-read-only',
      severity: 'error',
      from: { path: '^src/admin/' },
      to: { path: '^src/(proxy|codecs|registry|config|main|sidecar|cli)' },
    },
    {
      name: 'nobody-imports-the-root',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/cli/', '^src/main\\.ts$'] },
      to: { path: ['^src/main\\.ts$', '^src/cli/'] },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
