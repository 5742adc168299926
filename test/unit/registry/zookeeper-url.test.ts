import { describe, expect, it } from 'vitest';
import { categoryPath, decodeProvider, dubboProviderUrl, javaUrlDecode, javaUrlEncode, parseUrl, parseZooKeeperConfig, sofaProviderUrl } from '../../../src/registry/zookeeper/index.js';
import { DEFAULT_ROOTS } from '../../../src/registry/zookeeper/paths.js';

// Node names as a real Dubbo 3.3.6 provider and a real SOFARPC 5.13.2 server wrote them
// (clients/java/zk-peers against the test ZooKeeper), decoded here for readability.
const DUBBO_336 =
  'dubbo://127.0.0.1:20991/com.example.EchoService?application=pmesh-zk-dubbo-provider&deprecated=false&dubbo=2.0.2&dynamic=true&generic=false&interface=com.example.EchoService&logger=slf4j&methods=echo&prefer.serialization=hessian2&release=3.3.6&revision=1.0.0&serialization=hessian2&serialize.check.status=WARN&service-name-mapping=true&side=provider&timestamp=1795530675611&version=1.0.0';
const SOFA_5132 =
  'bolt://127.0.0.1:20992?version=1.0&accepts=100000&weight=100&language=java&pid=14819&interface=com.example.EchoService&timeout=0&serialization=hessian2&protocol=bolt&delay=-1&dynamic=true&startTime=1795530680873&id=rpc-cfg-0&uniqueId=&rpcVer=51302';

describe('ZooKeeper URLs and paths', () => {
  it('encodes like java.net.URLEncoder', () => {
    expect(javaUrlEncode('dubbo://172.19.4.113:20880/org.apache.dubbo.demo.DemoService?side=provider&timeout=3000')).toBe(
      'dubbo%3A%2F%2F172.19.4.113%3A20880%2Forg.apache.dubbo.demo.DemoService%3Fside%3Dprovider%26timeout%3D3000',
    );
    expect(javaUrlEncode("a b,c~!*'()-_.")).toBe('a+b%2Cc%7E%21*%27%28%29-_.');
    expect(javaUrlDecode('a+b%2Cc')).toBe('a b,c');
    expect(javaUrlDecode('%E0%A4%A')).toBeUndefined();
  });

  it('puts providers where each framework looks', () => {
    expect(categoryPath(DEFAULT_ROOTS, 'dubbo', 'com.example.EchoService', 'providers')).toBe('/dubbo/com.example.EchoService/providers');
    expect(categoryPath(DEFAULT_ROOTS, 'sofa-rpc', 'com.example.EchoService', 'consumers')).toBe('/sofa-rpc/com.example.EchoService/consumers');
  });

  it('decodes what a real Dubbo 3.3.6 provider writes', () => {
    const provider = decodeProvider('dubbo', 'com.example.EchoService', javaUrlEncode(DUBBO_336));
    expect(provider).toMatchObject({ host: '127.0.0.1', port: 20991, weight: 100 });
    expect(provider?.metadata).toMatchObject({
      service: 'com.example.EchoService',
      protocol: 'dubbo',
      layout: 'dubbo',
      version: '1.0.0',
      group: '',
      methods: 'echo',
      application: 'pmesh-zk-dubbo-provider',
      serialization: 'hessian2',
      release: '3.3.6',
    });
  });

  it('decodes what a real SOFARPC 5.13.2 server writes', () => {
    const provider = decodeProvider('sofa-rpc', 'com.example.EchoService', javaUrlEncode(SOFA_5132));
    expect(provider).toMatchObject({ host: '127.0.0.1', port: 20992, weight: 100 });
    expect(provider?.metadata).toMatchObject({ service: 'com.example.EchoService', protocol: 'bolt', layout: 'sofa-rpc', group: '', serialization: 'hessian2' });
  });

  it('skips what is not a usable provider', () => {
    const skip = (url: string): boolean => decodeProvider('dubbo', 'com.example.EchoService', javaUrlEncode(url)) === undefined;
    expect(skip('empty://127.0.0.1/com.example.EchoService?category=providers')).toBe(true);
    expect(skip('consumer://127.0.0.1/com.example.EchoService?interface=com.example.EchoService')).toBe(true);
    expect(skip('dubbo://127.0.0.1/com.example.EchoService?interface=com.example.EchoService')).toBe(true);
    expect(skip('dubbo://127.0.0.1:1/com.example.EchoService?interface=com.example.EchoService&enabled=false')).toBe(true);
    expect(skip('dubbo://127.0.0.1:1/com.example.Other?interface=com.example.Other')).toBe(true);
    expect(skip('not a url')).toBe(true);
    expect(decodeProvider('dubbo', 'com.example.EchoService', '%E0%A4%A')).toBeUndefined();
  });

  it('writes Dubbo provider URLs with the parameters Dubbo writes, sorted, and reads them back', () => {
    const url = dubboProviderUrl(
      { service: 'com.example.EchoService', version: '1.0.0', group: 'g', protocol: 'dubbo', host: '127.0.0.1', port: 20880, methods: ['echo', 'add'], parameters: { side: 'consumer', owner: 'me' } },
      { timestamp: 1700000000000, pid: 42, application: 'pmesh' },
    );
    expect(url).toBe(
      'dubbo://127.0.0.1:20880/com.example.EchoService?anyhost=false&application=pmesh&deprecated=false&dubbo=2.0.2&dynamic=true&generic=false&group=g&interface=com.example.EchoService&methods=echo,add&owner=me&pid=42&prefer.serialization=hessian2&release=3.3.6&serialization=hessian2&side=provider&timestamp=1700000000000&version=1.0.0',
    );
    const parsed = parseUrl(url);
    expect(parsed).toMatchObject({ protocol: 'dubbo', host: '127.0.0.1', port: 20880, path: 'com.example.EchoService' });
    expect(decodeProvider('dubbo', 'com.example.EchoService', javaUrlEncode(url))?.metadata).toMatchObject({ version: '1.0.0', group: 'g', methods: 'echo,add' });
  });

  it('writes SOFARPC provider URLs in SOFARPC order with the group as uniqueId', () => {
    const url = sofaProviderUrl(
      { service: 'com.example.EchoService', group: 'blue', protocol: 'bolt', host: '127.0.0.1', port: 12200 },
      { timestamp: 1700000000000, pid: 42, application: 'pmesh' },
    );
    expect(url).toBe(
      'bolt://127.0.0.1:12200?version=1.0&accepts=100000&weight=100&language=java&pid=42&interface=com.example.EchoService&timeout=0&serialization=hessian2&protocol=bolt&dynamic=true&startTime=1700000000000&uniqueId=blue&appName=pmesh&rpcVer=51302',
    );
    expect(decodeProvider('sofa-rpc', 'com.example.EchoService', javaUrlEncode(url))?.metadata.group).toBe('blue');
  });

  it('parses IPv6 hosts and refuses bad config', () => {
    expect(parseUrl('dubbo://[::1]:20880/x?a=1')).toMatchObject({ host: '::1', port: 20880 });
    expect(() => parseZooKeeperConfig({})).toThrow(/registry.address/);
    expect(() => parseZooKeeperConfig({ address: '127.0.0.1:2181', retryMs: 'x' })).toThrow(/registry.retryMs/);
    expect(parseZooKeeperConfig({ address: '127.0.0.1:2181' })).toMatchObject({ sessionTimeoutMs: 60_000, retryMs: 5_000, roots: DEFAULT_ROOTS });
  });
});
