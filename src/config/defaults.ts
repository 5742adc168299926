/**
 * The built-in config `npm start` runs with: admin and an app-facing HTTP listener,
 * both on loopback. Later protocols add their default listeners here.
 */
export const DEFAULT_CONFIG_YAML = `
admin: { address: 127.0.0.1:15000 }
listeners:
  - name: http-egress
    protocol: http1
    address: 127.0.0.1:15001
clusters: []
`;
