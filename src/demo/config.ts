/**
 * The demo's config: the built-in one (same listeners and ports) plus routes for the demo's
 * com.example.EchoService, its clusters (providers found in the registry) and its types in
 * the `bridge:` section, so plain JSON calls work and com.example.Person is allowed.
 */
import { ECHO_METHODS, ECHO_SERVICE, PERSON_FIELDS } from './echo-service.js';

const flow = (value: unknown): string => JSON.stringify(value);

/** EchoService 1.0.0 is the Dubbo provider, 1.0 the SOFARPC one, 2.0.0 the README's Python provider. */
const ROUTES = `
      - match: { service: "${ECHO_SERVICE}:1.0.0" }
        cluster: echo-dubbo
      - match: { service: "${ECHO_SERVICE}:1.0" }
        cluster: echo-sofarpc
      - match: { service: "${ECHO_SERVICE}:2.0.0" }
        cluster: echo-python`;

export const DEMO_CONFIG_YAML = `# pmesh demo: the built-in config plus the demo's EchoService (routes, clusters, types)
admin: { address: 127.0.0.1:15000 }
logging: { accessLog: false }
listeners:
  - name: http-egress
    protocol: http1
    address: 127.0.0.1:15001
    routes:${ROUTES}
  - name: grpc
    protocol: grpc
    address: 127.0.0.1:15002
    routes:${ROUTES}
  - name: bolt-egress
    protocol: bolt
    address: 127.0.0.1:12220
  - name: bolt-ingress
    protocol: bolt
    address: 127.0.0.1:12221
    ingress: true
  - name: dubbo-egress
    protocol: dubbo
    address: 127.0.0.1:20881
  - name: dubbo-ingress
    protocol: dubbo
    address: 127.0.0.1:20882
    ingress: true
sofaMeshApi: { address: 127.0.0.1:13330, appPort: 12200 }
clusters:
  - { name: echo-dubbo, protocol: dubbo, service: ${ECHO_SERVICE}, version: 1.0.0 }
  - { name: echo-sofarpc, protocol: bolt, service: ${ECHO_SERVICE}, version: "1.0" }
  - { name: echo-python, protocol: dubbo, service: ${ECHO_SERVICE}, version: 2.0.0 }
bridge:
  services:
    - service: ${ECHO_SERVICE}
      methods:
${ECHO_METHODS.map((m) => `        - ${flow(m)}`).join('\n')}
      classes:
        - className: com.example.Person
          fields:
${PERSON_FIELDS.map((f) => `            - ${flow(f)}`).join('\n')}
`;
