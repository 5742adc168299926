/**
 * `pmesh doctor <service | host:port>`: what is wrong between this sidecar and a provider,
 * each finding with its fix. For host:port it probes the address (which protocol answers,
 * its serialization, the round trip); for a service name it also asks the running sidecar
 * (admin API and /v1/services) whether the registry lists it and whether a route or a
 * registry cluster reaches it, then probes every provider address found.
 * Exit codes: 0 healthy, 1 a problem found, 2 usage.
 */
import { parseArgs } from 'node:util';
import { AdminApi } from './admin-api.js';
import { ADMIN_FLAGS, ADMIN_USAGE, adminTarget } from './admin-target.js';
import type { CliCommand } from './command.js';
import { render, type Finding } from './doctor/findings.js';

const USAGE = `usage: pmesh doctor <service | host:port> [options]

Tells what stands between this sidecar and a provider, with a fix for each problem.

  host:port        probe the address: which protocol answers (Dubbo heartbeat, Bolt
                   heartbeat, HTTP/2 preface, HTTP/1 request), its serialization, the round trip
  service          a Java interface name: does the sidecar's registry list it (version,
                   group), does a route or registry cluster reach it, what its providers
                   speak, and (Dubbo with ZooKeeper) its method signatures

options:
${ADMIN_USAGE}
  --version V         the service version to look for
  --group G           the service group to look for
  --timeout MS        per probe and per request (default 2000)
  -h, --help          this text

exit codes: 0 healthy, 1 a problem found, 2 usage`;

const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: 'find out why calls to a service or host:port fail, with fixes',
  usage: USAGE,
  async run(argv) {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        strict: true,
        allowPositionals: true,
        options: {
          ...ADMIN_FLAGS,
          version: { type: 'string' },
          group: { type: 'string' },
          timeout: { type: 'string', default: '2000' },
          help: { type: 'boolean', short: 'h' },
        },
      });
    } catch (error) {
      process.stderr.write(`pmesh doctor: ${(error as Error).message}\n${USAGE}\n`);
      return 2;
    }
    const { values, positionals } = parsed;
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const timeoutMs = Number(values.timeout);
    if (positionals.length !== 1 || !Number.isInteger(timeoutMs) || timeoutMs <= 0 || (values.admin !== undefined && !HOST_PORT.test(values.admin))) {
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    const target = positionals[0] as string;
    const hostPort = HOST_PORT.exec(target);
    if (hostPort && Number(hostPort[2]) > 65_535) {
      process.stderr.write(`pmesh doctor: port ${hostPort[2]} is out of range\n`);
      return 2;
    }
    process.stdout.write(`pmesh doctor ${target}\n`);
    let findings: Finding[];
    // The probes (protocol codecs, a ZooKeeper client) are imported only by this command.
    if (hostPort) findings = (await (await import('./doctor/check-peer.js')).checkPeer(target, timeoutMs)).findings;
    else {
      const { address, connection } = await adminTarget(values);
      const admin = new AdminApi(address, timeoutMs, connection);
      try {
        findings = await (await import('./doctor/check-service.js')).checkService(admin, { service: target, version: values.version, group: values.group }, timeoutMs);
      } finally {
        await admin.close();
      }
    }
    process.stdout.write(render(findings));
    return findings.some((f) => f.level === 'problem') ? 1 : 0;
  },
};
