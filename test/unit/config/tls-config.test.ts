/** Config of TLS with apps (`listeners[].tls.certFile/keyFile/caFile`) and providers (`clusters[].tls`): what is accepted and what is refused, with the reason. */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/config/index.js';
import { checkers, setup } from '../../../src/main.js';

function parse(yaml: string): { problems: readonly string[]; config?: ReturnType<typeof parseConfig> } {
  setup(); // registers the plugins the checkers consult
  try {
    return { problems: [], config: parseConfig(yaml, 'test.yaml', checkers) };
  } catch (error) {
    if (error instanceof ConfigError) return { problems: error.problems };
    throw error;
  }
}

const listener = (tls: string, extra = '') => `
listeners:
  - { name: api, protocol: http1, address: 127.0.0.1:15001, tls: ${tls}${extra}, routes: [{ match: { pathPrefix: / }, cluster: app }] }
clusters:
  - { name: app, protocol: http1, endpoints: [127.0.0.1:8080] }
`;

describe('listeners[].tls serving apps', () => {
  it('certFile and keyFile with mode strict need no identity; caFile asks for client certificates', () => {
    const { problems, config } = parse(listener('{ mode: strict, certFile: a.crt, keyFile: a.key, caFile: ca.crt }'));
    expect(problems).toEqual([]);
    expect(config?.listeners[0]?.tls).toMatchObject({ mode: 'strict', certFile: 'a.crt', keyFile: 'a.key', caFile: 'ca.crt' });
  });

  it('refuses half a pair, a caFile without a certificate, mode off with a certificate, and a certificate on an ingress', () => {
    expect(parse(listener('{ mode: strict, certFile: a.crt }')).problems.join('\n')).toContain('give certFile and keyFile together');
    expect(parse(listener('{ mode: strict, caFile: ca.crt }')).problems.join('\n')).toContain('caFile (client certificates) needs certFile and keyFile');
    expect(parse(listener('{ certFile: a.crt, keyFile: a.key }')).problems.join('\n')).toContain('certFile needs mode strict (TLS only) or permissive (TLS or plaintext)');
    expect(parse(listener('{ mode: strict, certFile: a.crt, keyFile: a.key }', ', ingress: true')).problems.join('\n')).toContain('an ingress takes mTLS from sidecars');
  });

  it('mode strict without a certificate still needs an identity (mTLS between sidecars)', () => {
    expect(parse(listener('{ mode: strict }')).problems.join('\n')).toContain('tls mode strict needs an identity section');
  });
});

describe('clusters[].tls to providers', () => {
  const cluster = (fields: string) => `
clusters:
  - { name: orders, protocol: dubbo, endpoints: [127.0.0.1:20880], ${fields} }
`;

  it('takes a CA bundle, a server name and a client certificate', () => {
    const { problems, config } = parse(cluster('tls: { caFile: ca.crt, serverName: orders.internal, certFile: c.crt, keyFile: c.key }'));
    expect(problems).toEqual([]);
    expect(config?.clusters[0]?.tls).toEqual({ caFile: 'ca.crt', serverName: 'orders.internal', certFile: 'c.crt', keyFile: 'c.key' });
  });

  it('refuses tls with mtls: on, a missing caFile, and half a client pair', () => {
    expect(parse(cluster('mtls: on, tls: { caFile: ca.crt }')).problems.join('\n')).toContain("give tls (a provider's own TLS) or mtls: on");
    expect(parse(cluster('tls: { serverName: x }')).problems.join('\n')).toContain('clusters[0].tls.caFile: required');
    expect(parse(cluster('tls: { caFile: ca.crt, certFile: c.crt }')).problems.join('\n')).toContain('give certFile and keyFile together');
  });
});
