/**
 * `npm run bench -- bolt`: SOFARPC echo(1 KiB String) straight at the Java SOFARPC
 * server, through the sidecar's Bolt listener and through its ingress listener with the
 * class scan on (issue 3, Performance; issue 9, gadget classes).
 */
import { policiesYaml, runRpcBench } from './lib/rpc-bench.js';

const SERVICE = 'com.example.EchoService:1.0';

export function benchBolt(seconds: number): Promise<void> {
  return runRpcBench(
    {
      bench: 'bolt',
      javaProject: 'sofarpc',
      mainClass: 'com.example.Server',
      ready: /READY \d+/,
      server: 'Java SOFARPC 5.13.2 Bolt server (clients/java/sofarpc com.example.Server)',
      sidecarYaml: ({ proxy, ingress, policies, admin, server }) => `admin: { address: 127.0.0.1:${admin} }
logging: { level: warn, accessLog: false }
listeners:
  - name: bolt-egress
    protocol: bolt
    address: 127.0.0.1:${proxy}
    routes: [{ match: { service: ${SERVICE} }, cluster: echo }]
  - name: bolt-ingress
    protocol: bolt
    address: 127.0.0.1:${ingress}
    ingress: true
    routes: [{ match: { service: ${SERVICE} }, cluster: echo }]
${policiesYaml('bolt', SERVICE, { policies, server }).listener}
clusters:
  - { name: echo, protocol: bolt, endpoints: [127.0.0.1:${server}] }
${policiesYaml('bolt', SERVICE, { policies, server }).cluster}
`,
    },
    seconds,
  );
}
