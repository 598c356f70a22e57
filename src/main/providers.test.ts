import { describe, expect, it } from 'vitest';
import { createProvider, ProviderSetupError } from './providers.js';

describe('Provider type anthropic', () => {
  it('builds an anthropic provider without a baseUrl (api.anthropic.com is the default)', async () => {
    const p = createProvider('claude', { type: 'anthropic', apiKey: { fromEnv: 'ANTHROPIC_API_KEY' } }, { ANTHROPIC_API_KEY: 'sk-ant-x' });
    expect(p.type).toBe('anthropic');
    await p.close();
  });

  it('refuses a baseUrl read from an unset environment variable, naming it', () => {
    const make = () => createProvider('claude', { type: 'anthropic', baseUrl: { fromEnv: 'ANTHROPIC_BASE_URL' } }, {});
    expect(make).toThrow(ProviderSetupError);
    expect(make).toThrow(/ANTHROPIC_BASE_URL/);
  });
});
