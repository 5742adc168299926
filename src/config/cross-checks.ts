/**
 * The checks that look across sections (a route naming a cluster that does not exist, two
 * listeners on one address, a non-loopback bind not asked for). They read the config loosely,
 * field by field, so they also run on a file whose other parts are invalid: `pmesh validate`
 * names every problem in one run, not the next one after each fix.
 */
import { isLoopbackHost, parseHostPort } from '../core/index.js';

/** Protocols whose listeners serve the app API (HTTP `/v1/services`, gRPC `pmesh.v1.*`). */
const APP_API_PROTOCOLS = new Set(['http1', 'grpc', 'triple']);
/** An auto listener's protocols when it names none (autoSchema's default). */
const AUTO_DEFAULT_PROTOCOLS = ['bolt', 'dubbo', 'grpc', 'http1'];

export type AddProblem = (path: (string | number)[], message: string) => void;

type Loose = Record<string, unknown>;
const object = (value: unknown): Loose => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Loose) : {});
const array = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Runs on the parsed config (schema defaults applied) or on the raw file (defaults assumed). */
export function crossCheck(input: unknown, add: AddProblem): void {
  const config = object(input);
  const adminAddress = text(object(config.admin).address) ?? '127.0.0.1:15000';
  const sofaMeshApi = config.sofaMeshApi === undefined ? undefined : object(config.sofaMeshApi);
  const sofaMeshAddress = sofaMeshApi ? (text(sofaMeshApi.address) ?? '127.0.0.1:13330') : undefined;

  const clusters = new Set<string>();
  array(config.clusters).forEach((raw, i) => {
    const cluster = object(raw);
    const name = text(cluster.name);
    if (name === undefined) return;
    if (name.startsWith('app:')) add(['clusters', i, 'name'], 'names starting with "app:" are kept for app publications');
    if (clusters.has(name)) add(['clusters', i, 'name'], `duplicate cluster name "${name}"`);
    clusters.add(name);
    if (cluster.service !== undefined && array(cluster.endpoints).length > 0) add(['clusters', i], 'give endpoints or a service, not both');
    if (cluster.tls !== undefined && cluster.mtls === 'on') add(['clusters', i, 'tls'], 'give tls (a provider\'s own TLS) or mtls: on (every endpoint is a sidecar), not both');
  });

  const listeners = new Set<string>();
  const addresses = new Set<string>([adminAddress, ...(sofaMeshAddress ? [sofaMeshAddress] : [])]);
  if (sofaMeshAddress === adminAddress) add(['sofaMeshApi', 'address'], `address ${adminAddress} is already used by admin`);
  array(config.listeners).forEach((raw, i) => {
    const listener = object(raw);
    const name = text(listener.name);
    if (name !== undefined) {
      if (listeners.has(name)) add(['listeners', i, 'name'], `duplicate listener name "${name}"`);
      listeners.add(name);
    }
    const address = text(listener.address);
    if (address !== undefined) {
      if (addresses.has(address)) add(['listeners', i, 'address'], `address ${address} is already used`);
      addresses.add(address);
    }
    const tls = object(listener.tls);
    const tlsMode = text(tls.mode);
    if (tls.certFile !== undefined) {
      // An ingress is called by sidecars, which speak mTLS with workload certificates, not TLS to an app's certificate.
      if (listener.ingress === true) add(['listeners', i, 'tls', 'certFile'], 'an ingress takes mTLS from sidecars with the workload identity; serve apps TLS (certFile) on a listener that is not an ingress');
    } else if (tlsMode !== undefined && tlsMode !== 'off' && config.identity === undefined) {
      add(['listeners', i, 'tls', 'mode'], `tls mode ${tlsMode} needs an identity section (the certificate this sidecar presents), or certFile and keyFile to serve apps TLS`);
    }
    array(listener.routes).forEach((rawRoute, j) => {
      const route = object(rawRoute);
      const at = ['listeners', i, 'routes', j];
      const cluster = text(route.cluster);
      if (route.clusters !== undefined) {
        if (route.cluster !== undefined) add([...at, 'clusters'], 'give cluster or clusters, not both');
        array(route.clusters).forEach((entry, k) => {
          const name = text(object(entry).name);
          if (name !== undefined && !clusters.has(name)) add([...at, 'clusters', k, 'name'], `unknown cluster "${name}"`);
        });
      } else if (route.cluster === undefined) {
        if (object(route.match).service === undefined) add([...at, 'cluster'], 'required unless match.service names a service');
      } else if (cluster !== undefined && !clusters.has(cluster)) {
        add([...at, 'cluster'], `unknown cluster "${cluster}"`);
      }
      const mirror = text(object(route.mirror).cluster);
      if (mirror !== undefined && !clusters.has(mirror)) add([...at, 'mirror', 'cluster'], `unknown cluster "${mirror}"`);
    });
  });

  // Beyond loopback the sidecar's own APIs are served only over TLS, to holders of a bearer token:
  // the admin API shows the config and metrics, the app and mesh APIs change what the registry says.
  if (config.allowNonLoopback === true) {
    const beyondLoopback = (address: string | undefined): string | undefined => {
      const host = address === undefined ? undefined : parseHostPort(address)?.host;
      return host !== undefined && !isLoopbackHost(host) ? host : undefined;
    };
    const admin = object(config.admin);
    const adminHost = beyondLoopback(adminAddress);
    if (adminHost !== undefined && (admin.tls === undefined || admin.tokenFile === undefined)) {
      add(['admin'], `the admin API on ${adminHost} (beyond loopback) needs tls and tokenFile`);
    }
    const meshHost = beyondLoopback(sofaMeshAddress);
    if (sofaMeshApi && meshHost !== undefined && (sofaMeshApi.tls === undefined || sofaMeshApi.tokenFile === undefined)) {
      add(['sofaMeshApi'], `the mesh registry API on ${meshHost} (beyond loopback) needs tls and tokenFile`);
    }
    array(config.listeners).forEach((raw, i) => {
      const listener = object(raw);
      const host = beyondLoopback(text(listener.address));
      const appApi = object(listener.appApi);
      if (host === undefined || appApi.enabled === false || !servesAppApi(listener)) return;
      const tlsMode = text(object(listener.tls).mode) ?? 'off';
      const missing = [...(appApi.tokenFile === undefined ? ['appApi.tokenFile'] : []), ...(tlsMode === 'off' ? ['tls.mode strict or permissive'] : [])];
      if (missing.length > 0) {
        add(['listeners', i, 'appApi'], `the app API on ${host} (beyond loopback) needs ${missing.join(' and ')}; or set appApi.enabled: false to serve it only on loopback listeners`);
      }
    });
  }

  if (config.allowNonLoopback !== true) {
    const check = (address: string | undefined, path: (string | number)[]): void => {
      const parsed = address === undefined ? undefined : parseHostPort(address);
      if (parsed && !isLoopbackHost(parsed.host)) add(path, `${parsed.host} is not a loopback address; set allowNonLoopback: true to bind it`);
    };
    check(adminAddress, ['admin', 'address']);
    if (sofaMeshAddress) check(sofaMeshAddress, ['sofaMeshApi', 'address']);
    array(config.listeners).forEach((listener, i) => check(text(object(listener).address), ['listeners', i, 'address']));
  }
}

/** Whether a listener's protocol serves the app API (an auto listener: one of the protocols it tells apart does). */
function servesAppApi(listener: Loose): boolean {
  const protocol = text(listener.protocol);
  if (protocol !== 'auto') return protocol !== undefined && APP_API_PROTOCOLS.has(protocol);
  const protocols = object(listener.auto).protocols;
  return (Array.isArray(protocols) ? protocols : AUTO_DEFAULT_PROTOCOLS).some((p) => typeof p === 'string' && APP_API_PROTOCOLS.has(p));
}
