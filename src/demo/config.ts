/**
 * The demo's config: the built-in one (same listeners and ports) plus routes for the demo's
 * com.example.EchoService, its clusters (providers found in the registry) and its types in
 * the `bridge:` section, so plain JSON calls work and com.example.Person is allowed.
 */
import { DEFAULT_CONFIG_YAML } from '../config/defaults.js';
import { ECHO_METHODS, ECHO_SERVICE, PERSON_FIELDS } from './echo-service.js';
import { withYaml } from '../config/yaml.js';

/** EchoService 1.0.0 is the Dubbo provider, 1.0 the SOFARPC one, 2.0.0 the README's Python provider. */
const ROUTES = [
  { match: { service: `${ECHO_SERVICE}:1.0.0` }, cluster: 'echo-dubbo' },
  { match: { service: `${ECHO_SERVICE}:1.0` }, cluster: 'echo-sofarpc' },
  { match: { service: `${ECHO_SERVICE}:2.0.0` }, cluster: 'echo-python' },
];

/** The built-in config's listeners and ports, with the demo's routes on the app-facing HTTP and gRPC ones. */
function demoConfig({ parse, stringify }: typeof import('yaml')): string {
  const config = parse(DEFAULT_CONFIG_YAML) as { listeners: Array<{ name: string; routes?: unknown }> } & Record<string, unknown>;
  for (const listener of config.listeners) if (listener.name === 'http-egress' || listener.name === 'grpc') listener.routes = ROUTES;
  const demo = {
    ...config,
    logging: { accessLog: false },
    clusters: [
      { name: 'echo-dubbo', protocol: 'dubbo', service: ECHO_SERVICE, version: '1.0.0' },
      { name: 'echo-sofarpc', protocol: 'bolt', service: ECHO_SERVICE, version: '1.0' },
      { name: 'echo-python', protocol: 'dubbo', service: ECHO_SERVICE, version: '2.0.0' },
    ],
    bridge: { services: [{ service: ECHO_SERVICE, methods: ECHO_METHODS, classes: [{ className: 'com.example.Person', fields: PERSON_FIELDS }] }] },
  };
  return `# pmesh demo: the built-in config plus the demo's EchoService (routes, clusters, types)\n${stringify(demo, { aliasDuplicateObjects: false })}`;
}

export const DEMO_CONFIG_YAML = withYaml(demoConfig);
