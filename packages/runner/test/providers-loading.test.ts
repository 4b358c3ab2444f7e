import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_PROVIDERS, loadConfig } from '../src/config/config.js';
import { loadProviders, ProviderLoadError } from '../src/providers/registry.js';

const repo = resolve(import.meta.dirname, '../../..');

describe('provider loading', () => {
  it('loads the four built-in providers by package name', async () => {
    const registry = await loadProviders(BUILTIN_PROVIDERS);
    expect(registry.types().sort()).toEqual(['discord', 'slack', 'teams', 'webhook']);
  });

  it('loads a third-party provider from a file path outside packages/', async () => {
    const registry = await loadProviders(['./examples/chat-provider/index.js'], repo);
    expect(registry.get('chat')?.displayName).toMatch(/Generic chat/);
  });

  it('HERALD_EXTRA_PROVIDERS adds a plugin to the built-ins, without listing them again', async () => {
    const config = loadConfig({ HERALD_EXTRA_PROVIDERS: './examples/chat-provider/index.js' });
    expect(config.providers).toEqual([...BUILTIN_PROVIDERS, './examples/chat-provider/index.js']);
    const registry = await loadProviders(config.providers, repo);
    expect(registry.types().sort()).toEqual(['chat', 'discord', 'slack', 'teams', 'webhook']);
  });

  it('HERALD_EXTRA_PROVIDERS adds to a given HERALD_PROVIDERS, once each', () => {
    const config = loadConfig({
      HERALD_PROVIDERS: '@herald/provider-webhook',
      HERALD_EXTRA_PROVIDERS: '@herald/provider-webhook, ./x.js',
    });
    expect(config.providers).toEqual(['@herald/provider-webhook', './x.js']);
  });

  it('stops on a module that does not exist, naming it', async () => {
    await expect(loadProviders(['@herald/provider-nope'])).rejects.toThrow(
      /cannot load provider module "@herald\/provider-nope"/,
    );
  });

  it('stops on a module whose default export is not a provider, saying what is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-provider-'));
    writeFileSync(
      join(dir, 'bad.mjs'),
      'export default { type: "bad", displayName: "Bad", secretFields: [] };',
    );
    writeFileSync(join(dir, 'none.mjs'), 'export const x = 1;');
    const bad = loadProviders([join(dir, 'bad.mjs')]);
    await expect(bad).rejects.toBeInstanceOf(ProviderLoadError);
    await expect(loadProviders([join(dir, 'bad.mjs')])).rejects.toThrow(
      /configSchema must be a zod schema.*needs render\(\) and interpret\(\), or deliver\(\)/,
    );
    await expect(loadProviders([join(dir, 'none.mjs')])).rejects.toThrow(/has no default export/);
  });

  it('stops when two providers claim one type', async () => {
    await expect(loadProviders(['@herald/provider-slack', '@herald/provider-slack'])).rejects.toThrow(
      /claims provider type "slack", already taken by Slack/,
    );
  });
});
