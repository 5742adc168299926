/**
 * The built-in config `npm start` runs with: admin, the app-facing HTTP listener, and
 * the Bolt (SOFARPC's default mesh port) and Dubbo egress listeners, all on loopback.
 * Routes come from a config file or, once the registry lands, from publications.
 */
export const DEFAULT_CONFIG_YAML = `
admin: { address: 127.0.0.1:15000 }
listeners:
  - name: http-egress
    protocol: http1
    address: 127.0.0.1:15001
  - name: bolt-egress
    protocol: bolt
    address: 127.0.0.1:12220
  - name: dubbo-egress
    protocol: dubbo
    address: 127.0.0.1:20881
clusters: []
`;
