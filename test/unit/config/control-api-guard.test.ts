/**
 * The cross-checks that keep the sidecar's own APIs off a network unguarded (issue 13, item 5):
 * bound beyond loopback, the admin API and SOFARPC's mesh API need tls and tokenFile, and a
 * listener serving the app API needs appApi.tokenFile and TLS under it (or the app API off).
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/config/index.js';
import { checkers, setup } from '../../../src/main.js';

function problems(yaml: string): readonly string[] {
  setup(); // registers the plugins the checkers consult
  try {
    parseConfig(yaml, 'test.yaml', checkers);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

const IDENTITY = 'identity: { certFile: a.crt, keyFile: a.key, caFile: ca.crt }\n';
const listener = (fields: string) => `allowNonLoopback: true\n${IDENTITY}listeners: [{ name: api, address: "0.0.0.0:15001", ${fields} }]`;

describe('control APIs beyond loopback', () => {
  it('the mesh registry API on 0.0.0.0 needs tls and tokenFile; with both, or on loopback, it is accepted', () => {
    expect(problems('allowNonLoopback: true\nsofaMeshApi: { address: "0.0.0.0:13330" }')).toEqual([
      'sofaMeshApi: the mesh registry API on 0.0.0.0 (beyond loopback) needs tls and tokenFile',
    ]);
    expect(problems('allowNonLoopback: true\nsofaMeshApi: { address: "0.0.0.0:13330", tokenFile: t }')).toHaveLength(1);
    expect(problems('allowNonLoopback: true\nsofaMeshApi: { address: "0.0.0.0:13330", tokenFile: t, tls: { certFile: c, keyFile: k } }')).toEqual([]);
    expect(problems('allowNonLoopback: true\nsofaMeshApi: { address: "127.0.0.1:13330" }')).toEqual([]);
  });

  it('an http1, grpc or triple listener on 0.0.0.0 serving the app API needs appApi.tokenFile and TLS, each named', () => {
    for (const protocol of ['http1', 'grpc', 'triple']) {
      expect(problems(listener(`protocol: ${protocol}`))).toEqual([
        'listeners[0].appApi: the app API on 0.0.0.0 (beyond loopback) needs appApi.tokenFile and tls.mode strict or permissive; or set appApi.enabled: false to serve it only on loopback listeners',
      ]);
    }
    expect(problems(listener('protocol: http1, tls: { mode: strict }'))).toEqual([
      'listeners[0].appApi: the app API on 0.0.0.0 (beyond loopback) needs appApi.tokenFile; or set appApi.enabled: false to serve it only on loopback listeners',
    ]);
    expect(problems(listener('protocol: grpc, appApi: { tokenFile: t }'))).toEqual([
      'listeners[0].appApi: the app API on 0.0.0.0 (beyond loopback) needs tls.mode strict or permissive; or set appApi.enabled: false to serve it only on loopback listeners',
    ]);
  });

  it('accepts the listener guarded, with the app API off, on loopback, or speaking a protocol that serves no app API', () => {
    expect(problems(listener('protocol: http1, tls: { mode: permissive }, appApi: { tokenFile: t }'))).toEqual([]);
    expect(problems(listener('protocol: http1, appApi: { enabled: false }'))).toEqual([]);
    expect(problems(listener('protocol: bolt'))).toEqual([]);
    expect(problems(listener('protocol: auto, auto: { protocols: [bolt, dubbo] }'))).toEqual([]);
    expect(problems(`allowNonLoopback: true\nlisteners: [{ name: api, protocol: http1, address: "127.0.0.1:15001" }]`)).toEqual([]);
  });

  it('an auto listener telling HTTP apart (its default protocols do) needs the guard too', () => {
    expect(problems(listener('protocol: auto'))).toEqual([expect.stringMatching(/^listeners\[0\]\.appApi: the app API on 0\.0\.0\.0/)]);
  });

  it('the admin API keeps its own check', () => {
    expect(problems('allowNonLoopback: true\nadmin: { address: "0.0.0.0:15000" }')).toEqual(['admin: the admin API on 0.0.0.0 (beyond loopback) needs tls and tokenFile']);
  });
});
