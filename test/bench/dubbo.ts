/**
 * `npm run bench -- dubbo`: Dubbo echo(1 KiB String) straight at the Java Dubbo
 * provider, through the sidecar's Dubbo listener and through its ingress listener with
 * the class scan on (issue 4, Performance; issue 9, gadget classes).
 */
import { policiesYaml, runRpcBench } from './lib/rpc-bench.js';

export function benchDubbo(seconds: number): Promise<void> {
  return runRpcBench(
    {
      bench: 'dubbo',
      javaProject: 'dubbo',
      mainClass: 'com.example.dubbo.Provider',
      ready: /PROVIDER READY port=\d+/,
      server: 'Java Dubbo 3.3.6 provider (clients/java/dubbo com.example.dubbo.Provider)',
      sidecarYaml: ({ proxy, ingress, policies, admin, server }) => `admin: { address: 127.0.0.1:${admin} }
logging: { level: warn, accessLog: false }
listeners:
  - name: dubbo-egress
    protocol: dubbo
    address: 127.0.0.1:${proxy}
    routes: [{ match: { service: com.example.EchoService }, cluster: echo }]
  - name: dubbo-ingress
    protocol: dubbo
    address: 127.0.0.1:${ingress}
    ingress: true
    routes: [{ match: { service: com.example.EchoService }, cluster: echo }]
${policiesYaml('dubbo', 'com.example.EchoService', { policies, server }).listener}
clusters:
  - { name: echo, protocol: dubbo, endpoints: [127.0.0.1:${server}] }
${policiesYaml('dubbo', 'com.example.EchoService', { policies, server }).cluster}
`,
    },
    seconds,
  );
}
