/**
 * The built-in config `npm start` runs with: admin, the app-facing HTTP listener (the
 * JSON bridge and /v1/services), the gRPC listener (pmesh.v1 Invoker and Registry), and
 * the Bolt (SOFARPC's default mesh port) and Dubbo egress listeners, all on loopback.
 * Routes come from a config file or, once the registry lands, from publications.
 *
 * SOFARPC apps with registry `mesh` work with no set-up: the mesh API on SOFARPC's default
 * 13330, their calls on 12220 (bolt-egress), and a Bolt ingress for what they publish. The
 * ingress is on 12221, not 12200: 12200 is where a SOFARPC app binds its own Bolt server by
 * default (and so the app port the ingress forwards to, sofaMeshApi.appPort). Apps publish
 * Dubbo services through the Dubbo ingress on 20882 (20880 is Dubbo's own default port).
 */
export const DEFAULT_CONFIG_YAML = `
admin: { address: 127.0.0.1:15000 }
listeners:
  - name: http-egress
    protocol: http1
    address: 127.0.0.1:15001
  - name: grpc
    protocol: grpc
    address: 127.0.0.1:15002
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
clusters: []
`;
