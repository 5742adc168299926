/**
 * MOSN v0.27.0 for the side-by-side bench: built from the Go module proxy into .cache/ (the
 * only MOSN version it serves here), from our small main (compare/mosn/main.go: the Bolt and
 * Dubbo xprotocol codecs and the proxy filter), and run with a config that routes every call
 * on the `service` header to one cluster, as our listener does.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../support/maven.js';
import { startPeer, waitForPort, type Peer } from '../../support/process.js';

const SOURCE = join(REPO_ROOT, 'test/bench/compare/mosn');
const BUILD = join(REPO_ROOT, '.cache/mosn-build');
const BINARY = join(BUILD, 'mosn-bench');
/** Modules only MOSN's seata filter uses (not compiled in): empty stand-ins, see go.mod. */
const STUBS = ['vimagination.zapto.org/byteio', 'vimagination.zapto.org/memio'];

/** Builds the binary unless it is newer than our main and go.mod; returns its path. */
export function buildMosn(log: (line: string) => void): string {
  const sources = ['main.go', 'go.mod'].map((name) => join(SOURCE, name));
  if (existsSync(BINARY) && sources.every((file) => statSync(file).mtimeMs < statSync(BINARY).mtimeMs)) return BINARY;
  log('building MOSN v0.27.0 from the Go module proxy into .cache/mosn-build (first run: a few minutes)...');
  mkdirSync(BUILD, { recursive: true });
  for (const file of sources) copyFileSync(file, join(BUILD, file.slice(SOURCE.length + 1)));
  for (const stub of STUBS) {
    const dir = join(BUILD, 'stubs', stub.split('/').pop()!);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'go.mod'), `module ${stub}\n\ngo 1.13\n`);
  }
  // The checksum database does not know mosn.io; its dependencies still check against its go.sum.
  const env = { ...process.env, GONOSUMDB: 'mosn.io', GOFLAGS: '-buildvcs=false' };
  execFileSync('go', ['mod', 'tidy'], { cwd: BUILD, env, stdio: 'inherit' });
  execFileSync('go', ['build', '-o', BINARY, '.'], { cwd: BUILD, env, stdio: 'inherit' });
  return BINARY;
}

/** MOSN's config: one listener with the proxy filter for `protocol`, every call to `upstream`. */
function mosnConfig(protocol: 'bolt' | 'dubbo', port: number, upstream: number, logPath: string): object {
  return {
    disable_upgrade: true,
    servers: [
      {
        default_log_path: logPath,
        default_log_level: 'ERROR',
        routers: [
          {
            router_config_name: 'bench',
            virtual_hosts: [{ name: 'bench', domains: ['*'], routers: [{ match: { headers: [{ name: 'service', value: '.*', regex: true }] }, route: { cluster_name: 'echo' } }] }],
          },
        ],
        listeners: [
          {
            name: `${protocol}-egress`,
            address: `127.0.0.1:${port}`,
            bind_port: true,
            log_path: logPath,
            filter_chains: [
              {
                filters: [
                  {
                    type: 'proxy',
                    config: { downstream_protocol: 'X', upstream_protocol: 'X', router_config_name: 'bench', extend_config: { sub_protocol: protocol } },
                  },
                ],
              },
            ],
          },
        ],
      },
    ],
    cluster_manager: {
      clusters: [{ name: 'echo', type: 'SIMPLE', lb_type: 'LB_ROUNDROBIN', max_request_per_conn: 1024, conn_buffer_limit_bytes: 32768, hosts: [{ address: `127.0.0.1:${upstream}` }] }],
    },
  };
}

/** Starts MOSN proxying `protocol` on `port` to `upstream`, with GOMAXPROCS=`threads`. */
export async function startMosn(binary: string, protocol: 'bolt' | 'dubbo', port: number, upstream: number, threads: number): Promise<Peer> {
  const dir = mkdtempSync(join(tmpdir(), 'pmesh-mosn-'));
  const config = join(dir, 'mosn.json');
  writeFileSync(config, JSON.stringify(mosnConfig(protocol, port, upstream, join(dir, 'mosn.log')), null, 2));
  const peer = startPeer(`mosn ${protocol}`, binary, ['-c', config], { cwd: dir, env: { ...process.env, GOMAXPROCS: String(threads) } });
  await waitForPort(port);
  return peer;
}
