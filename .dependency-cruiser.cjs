/**
 * The import rules of docs/architecture.md ("Layers"), enforced by `npm run lint`.
 * core is the vocabulary; bridge is the Java value model on top of it; codecs translate
 * bytes; proxy routes; registry knows who is out there; control is the app-facing
 * control plane over proxy and registry; main.ts (and the sidecar it builds) connects them.
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
      name: 'bridge-on-core',
      comment: 'src/bridge (Java values, JSON conversion, type sources) imports core only: no protocol, no registry',
      severity: 'error',
      from: { path: '^src/bridge/' },
      to: { path: '^src/', pathNot: ['^src/core/', '^src/bridge/'] },
    },
    {
      name: 'codecs-only-core-and-bridge',
      comment: 'a codec imports core and bridge (and bolt/dubbo also hessian), never proxy, registry, config, admin or control',
      severity: 'error',
      from: { path: '^src/codecs/' },
      to: { path: '^src/(proxy|registry|config|admin|control|main|sidecar|cli)' },
    },
    {
      name: 'codec-not-another-protocol',
      comment: 'a protocol folder does not import another protocol (hessian is shared by bolt and dubbo)',
      severity: 'error',
      from: { path: '^src/codecs/([^/]+)/', pathNot: '^src/codecs/triple/' },
      to: { path: '^src/codecs/([^/]+)/', pathNot: ['^src/codecs/$1/', '^src/codecs/hessian/'] },
    },
    {
      name: 'triple-reuses-grpc-only',
      comment: 'Triple is gRPC with Dubbo headers: it builds on codecs/grpc and imports no other protocol',
      severity: 'error',
      from: { path: '^src/codecs/triple/' },
      to: { path: '^src/codecs/([^/]+)/', pathNot: ['^src/codecs/triple/', '^src/codecs/grpc/'] },
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
      to: { path: '^src/(registry|config|admin|control|main|sidecar|cli)' },
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
      to: { path: '^src/(proxy|codecs|bridge|config|admin|control|main|sidecar|cli)' },
    },
    {
      name: 'config-no-implementations',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/(proxy|codecs|registry|admin|control|main|sidecar|cli)' },
    },
    {
      name: 'admin-read-only',
      severity: 'error',
      from: { path: '^src/admin/' },
      to: { path: '^src/(proxy|codecs|bridge|registry|config|control|main|sidecar|cli)' },
    },
    {
      name: 'control-over-proxy-and-registry',
      comment: 'the control plane uses proxy, registry, bridge, config, core and the protocol registry; it never reaches into a codec, admin or the root',
      severity: 'error',
      from: { path: '^src/control/' },
      to: { path: '^src/(codecs/(?!index\\.ts$)|admin|main|sidecar|cli|demo)' },
    },
    {
      name: 'only-the-sidecar-uses-control',
      comment: 'the control plane is wired in by the composition (sidecar.ts, and src/workers/ for workers: N) alone',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/control/', '^src/sidecar\\.ts$', '^src/workers/'] },
      to: { path: '^src/control/' },
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
