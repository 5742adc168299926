/**
 * Protocol plug-ins from the config's `plugins` (src/codecs/modules.ts, docs/plugins.md):
 * loaded, checked and registered before the config that uses them is checked; a module
 * that is missing or exports no plug-in is a config problem naming its entry.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getProtocol } from '../../../src/codecs/index.js';
import { loadProtocolModules, resolvePluginModule } from '../../../src/codecs/modules.js';
import { ConfigError } from '../../../src/config/index.js';
import { loadConfig } from '../../../src/main.js';
import { fakeProtocol } from '../../support/fake-codec.js';

const FAKE_MODULE = join(import.meta.dirname, '../../support/fake-codec.ts');

function configDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pmesh-plugins-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('protocol plug-in modules', () => {
  it('a config naming a plug-in module can use its protocol; the module is registered as exported', async () => {
    const dir = configDir({
      'pmesh.yaml': `plugins: [${JSON.stringify(FAKE_MODULE)}]\nlisteners:\n  - { name: in, protocol: fake, address: 127.0.0.1:1, routes: [{ cluster: up }] }\nclusters:\n  - { name: up, protocol: fake, endpoints: [127.0.0.1:2] }\n`,
    });
    const config = await loadConfig(join(dir, 'pmesh.yaml'));
    expect(config.plugins).toEqual([FAKE_MODULE]);
    expect(config.listeners[0]?.protocol).toBe('fake');
    expect(getProtocol('fake')).toBe(fakeProtocol);
  });

  it('paths are relative to the config file\'s folder; package names are left to Node', () => {
    expect(resolvePluginModule('./p/fake.js', '/etc/pmesh')).toBe('file:///etc/pmesh/p/fake.js');
    expect(resolvePluginModule('/opt/fake.mjs', '/etc/pmesh')).toBe('file:///opt/fake.mjs');
    expect(resolvePluginModule('pmesh-fake-protocol', '/etc/pmesh')).toBe('pmesh-fake-protocol');
  });

  it('a missing module is a config problem naming its entry, and the config is not applied', async () => {
    const dir = configDir({ 'pmesh.yaml': 'plugins: [./nowhere.mjs]\nlisteners:\n  - { name: in, protocol: nowhere, address: 127.0.0.1:1 }\n' });
    const loading = loadConfig(join(dir, 'pmesh.yaml'));
    await expect(loading).rejects.toThrow(ConfigError);
    await expect(loading).rejects.toThrow(/plugins\[0\]: "\.\/nowhere\.mjs" could not be loaded: .*nowhere\.mjs/);
  });

  it('a module whose default export is not a plug-in, or is nothing, is named', async () => {
    const dir = configDir({ 'number.mjs': 'export default 42;\n', 'named.mjs': 'export const protocol = {};\n', 'empty.mjs': 'export default [];\n' });
    const { problems } = await loadProtocolModules(['./number.mjs', './named.mjs', './empty.mjs'], dir);
    expect(problems).toEqual([
      'plugins[0]: "./number.mjs" exports no protocol plug-in: its default export must be a plug-in (name, label, match, server, client, bridge) or a list of them',
      'plugins[1]: "./named.mjs" exports no protocol plug-in: its default export must be a plug-in (name, label, match, server, client, bridge) or a list of them',
      'plugins[2]: "./empty.mjs" exports no protocol plug-in: its default export must be a plug-in (name, label, match, server, client, bridge) or a list of them',
    ]);
  });

  it('a plug-in may not take the name of a protocol already registered', async () => {
    const impostor = `export default { name: 'fake', label: 'Impostor', match: () => 'no', server: { transport: 'framed' }, client: { transport: 'framed' }, bridge: {} };\n`;
    const dir = configDir({ 'impostor.mjs': impostor });
    await loadProtocolModules([FAKE_MODULE], dir);
    const { problems } = await loadProtocolModules(['./impostor.mjs'], dir);
    expect(problems).toEqual(['plugins[0]: "./impostor.mjs" exports protocol "fake", a name already registered']);
    expect(getProtocol('fake')).toBe(fakeProtocol);
  });
});
