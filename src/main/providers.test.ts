import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../control-plane/config/index.js';
import { createProviders, ProviderSetupError } from './providers.js';

const doc = (spec: string) => `apiVersion: gantry/v1alpha1\nkind: Provider\nmetadata: {name: claude}\nspec: ${spec}\n`;

describe('Provider type anthropic', () => {
  it('validates without a baseUrl (api.anthropic.com is the default) and builds an anthropic provider', async () => {
    const config = parseConfigText(doc('{type: anthropic, apiKey: {fromEnv: ANTHROPIC_API_KEY}}'), 'gantry.yaml');
    const providers = createProviders(config, { ANTHROPIC_API_KEY: 'sk-ant-x' });
    const p = providers.get('claude');
    expect(p?.type).toBe('anthropic');
    await p?.close();
  });

  it('still requires a baseUrl for openai-compatible providers', () => {
    expect(() => parseConfigText(doc('{type: openai-compatible}'), 'gantry.yaml')).toThrow(/spec\.baseUrl.*required/);
  });

  it('refuses a baseUrl read from an unset environment variable, naming it', () => {
    const config = parseConfigText(doc('{type: anthropic, baseUrl: {fromEnv: ANTHROPIC_BASE_URL}}'), 'gantry.yaml');
    expect(() => createProviders(config, {})).toThrow(ProviderSetupError);
    expect(() => createProviders(config, {})).toThrow(/ANTHROPIC_BASE_URL/);
  });
});
