/**
 * HAProxy and nginx (Debian's) in front of the bench's HTTP/1 upstream, set up as a
 * sidecar would be: loopback only, keep-alive to the upstream reused across callers,
 * no access log, `threads` threads (HAProxy) or worker processes (nginx).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPeer, waitForPort, type Peer } from '../../support/process.js';

/** Requests per keep-alive connection before either side closes it: never, within a bench. */
const KEEPALIVE_REQUESTS = 100_000_000;

export async function startHaproxy(port: number, upstream: number, threads: number): Promise<Peer> {
  const dir = mkdtempSync(join(tmpdir(), 'pmesh-haproxy-'));
  const config = join(dir, 'haproxy.cfg');
  // maxconn stays under the sandbox's open-file limit (4096 by default here).
  writeFileSync(
    config,
    `global
  nbthread ${threads}
  maxconn 2000
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  option http-keep-alive
  http-reuse always
frontend bench
  bind 127.0.0.1:${port}
  default_backend upstream
backend upstream
  server echo 127.0.0.1:${upstream}
`,
  );
  const peer = startPeer('haproxy', 'haproxy', ['-db', '-f', config], { cwd: dir });
  await waitForPort(port);
  return peer;
}

export async function startNginx(port: number, upstream: number, workers: number): Promise<Peer> {
  const dir = mkdtempSync(join(tmpdir(), 'pmesh-nginx-'));
  mkdirSync(join(dir, 'logs'));
  const config = join(dir, 'nginx.conf');
  writeFileSync(
    config,
    `daemon off;
master_process on;
worker_processes ${workers};
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'logs/error.log')} error;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  upstream echo {
    server 127.0.0.1:${upstream};
    keepalive 64;
    keepalive_requests ${KEEPALIVE_REQUESTS};
  }
  server {
    listen 127.0.0.1:${port};
    keepalive_requests ${KEEPALIVE_REQUESTS};
    location / {
      proxy_pass http://echo;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
    }
  }
}
`,
  );
  const peer = startPeer('nginx', 'nginx', ['-p', dir, '-e', join(dir, 'logs/error.log'), '-c', config], { cwd: dir });
  await waitForPort(port);
  return peer;
}
