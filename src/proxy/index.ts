export { Router, type RouteSpec, type RouteMatch, type Route } from './router.js';
export { Cluster, type ClusterSnapshot, type EndpointSnapshot } from './cluster.js';
export { compose, type CallContext, type Filter, type Handler } from './filter.js';
export { buildStack, type StackOptions } from './stack.js';
export { AUTO_PROTOCOL, createListener, PartialFrameBudget, type AutoSniff, type GrpcLimits, type Listener, type ListenerSpec } from './listeners/index.js';
export { createUpstream, Http1Poster, type Upstream, type UpstreamOptions } from './upstream/index.js';
export { LoadBook, balancerName, balancerProblem, createBalancer, isBalancerRegistered, registerBalancer, setupBalancers } from './balancers/index.js';
export type { Balancer, BalancerPlugin, BalancerSpec, Picker } from './balancers/index.js';
export { DEFAULT_BRIDGE, type BridgeOptions, type ReportedTypes } from './bridge.js';
export {
  SIDECAR_MARK,
  TLS_MODE_MARK,
  usesMtls,
  type EgressTls,
  type IngressTlsOptions,
  type PemSet,
  type PemSource,
  type TlsFiles,
  type TlsFilesOpener,
  type TlsMaterial,
  type TlsMaterialSource,
  type TlsMode,
  type UpstreamMtls,
} from './transport/index.js';
