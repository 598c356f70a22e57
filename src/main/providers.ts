import type { ProviderDoc, ValidatedConfig } from '../control-plane/config/index.js';
import { createAnthropicProvider } from '../providers/anthropic/index.js';
import type { Provider } from '../providers/contract.js';
import { createOpenAiCompatibleProvider } from '../providers/openai-compatible/index.js';
import { createSimulatorProvider } from '../providers/simulator/index.js';

/** Resolves `{fromEnv: NAME, default?}` or a literal. */
function fromEnv(value: string | { fromEnv: string; default?: string } | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  const v = env[value.fromEnv];
  return v === undefined || v === '' ? value.default : v;
}

export class ProviderSetupError extends Error {}

/**
 * Resolves a Provider's base URL; a reference to an unset environment variable is an error (a
 * silently missing URL would send traffic to a default host), as is a URL that is not http(s).
 */
function resolveBaseUrl(name: string, value: ProviderDoc['spec']['baseUrl'], env: NodeJS.ProcessEnv): string | undefined {
  const baseUrl = fromEnv(value, env);
  if (value !== undefined && !baseUrl) {
    const envName = typeof value === 'object' ? value.fromEnv : undefined;
    throw new ProviderSetupError(`Provider "${name}": spec.baseUrl reads environment variable ${envName}, which is not set.`);
  }
  if (baseUrl && !/^https?:\/\//.test(baseUrl)) throw new ProviderSetupError(`Provider "${name}": base URL "${baseUrl}" must start with http:// or https://`);
  return baseUrl;
}

/** The options every HTTP provider takes from its Provider document. */
function httpOptions(spec: ProviderDoc['spec'], env: NodeJS.ProcessEnv) {
  return {
    apiKey: fromEnv(spec.apiKey, env),
    apiKeyEnvName: spec.apiKey?.fromEnv,
    headers: spec.headers,
    maxConnections: spec.maxConnections,
    connectTimeoutMs: spec.timeouts?.connectMs,
  };
}

function createProvider(doc: ProviderDoc, env: NodeJS.ProcessEnv): Provider {
  const { name } = doc.metadata;
  const spec = doc.spec;
  switch (spec.type) {
    case 'simulator':
      return createSimulatorProvider({ name, instant: spec.instant ?? false });
    case 'openai-compatible': {
      const baseUrl = resolveBaseUrl(name, spec.baseUrl, env);
      if (!baseUrl) throw new ProviderSetupError(`Provider "${name}": spec.baseUrl is required for type openai-compatible.`);
      return createOpenAiCompatibleProvider({ name, baseUrl, ...httpOptions(spec, env) });
    }
    case 'anthropic':
      // baseUrl is optional here (default https://api.anthropic.com).
      return createAnthropicProvider({ name, baseUrl: resolveBaseUrl(name, spec.baseUrl, env), ...httpOptions(spec, env) });
  }
}

/** Creates one live provider (connection pool) per Provider document. */
export function createProviders(config: ValidatedConfig, env: NodeJS.ProcessEnv): Map<string, Provider> {
  const providers = new Map<string, Provider>();
  for (const doc of config.providers) providers.set(doc.metadata.name, createProvider(doc, env));
  return providers;
}
