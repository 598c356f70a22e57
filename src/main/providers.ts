import type { ProviderDoc, ValidatedConfig } from '../control-plane/config/index.js';
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

function createProvider(doc: ProviderDoc, env: NodeJS.ProcessEnv): Provider {
  const { name } = doc.metadata;
  const spec = doc.spec;
  switch (spec.type) {
    case 'simulator':
      return createSimulatorProvider({ name, instant: spec.instant ?? false });
    case 'openai-compatible': {
      const baseUrl = fromEnv(spec.baseUrl, env);
      if (!baseUrl) {
        const envName = typeof spec.baseUrl === 'object' ? spec.baseUrl.fromEnv : undefined;
        throw new ProviderSetupError(`Provider "${name}": spec.baseUrl reads environment variable ${envName}, which is not set.`);
      }
      if (!/^https?:\/\//.test(baseUrl)) throw new ProviderSetupError(`Provider "${name}": base URL "${baseUrl}" must start with http:// or https://`);
      return createOpenAiCompatibleProvider({
        name,
        baseUrl,
        apiKey: fromEnv(spec.apiKey, env),
        apiKeyEnvName: spec.apiKey?.fromEnv,
        headers: spec.headers,
        maxConnections: spec.maxConnections,
        connectTimeoutMs: spec.timeouts?.connectMs,
      });
    }
    case 'anthropic':
      throw new ProviderSetupError(`Provider "${name}": type anthropic is not available in this build yet.`);
  }
}

/** Creates one live provider (connection pool) per Provider document. */
export function createProviders(config: ValidatedConfig, env: NodeJS.ProcessEnv): Map<string, Provider> {
  const providers = new Map<string, Provider>();
  for (const doc of config.providers) providers.set(doc.metadata.name, createProvider(doc, env));
  return providers;
}
