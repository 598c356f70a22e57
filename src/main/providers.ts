import type { ProviderSpec } from '../control-plane/resources/kinds/provider.js';
import { GatewayError } from '../kernel/errors/index.js';
import type { Logger } from '../kernel/logger.js';
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
function resolveBaseUrl(name: string, value: ProviderSpec['baseUrl'], env: NodeJS.ProcessEnv): string | undefined {
  const baseUrl = fromEnv(value, env);
  if (value !== undefined && !baseUrl) {
    const envName = typeof value === 'object' ? value.fromEnv : undefined;
    throw new ProviderSetupError(`Provider "${name}": spec.baseUrl reads environment variable ${envName}, which is not set.`);
  }
  if (baseUrl && !/^https?:\/\//.test(baseUrl)) throw new ProviderSetupError(`Provider "${name}": base URL "${baseUrl}" must start with http:// or https://`);
  return baseUrl;
}

/** The options every HTTP provider takes from its Provider document. */
function httpOptions(spec: ProviderSpec, env: NodeJS.ProcessEnv) {
  return {
    // TODO(secrets helper): {secretRef} is resolved from the Secret (issue 10).
    apiKey: spec.apiKey && 'fromEnv' in spec.apiKey ? fromEnv(spec.apiKey, env) : undefined,
    apiKeyEnvName: spec.apiKey && 'fromEnv' in spec.apiKey ? spec.apiKey.fromEnv : undefined,
    headers: spec.headers,
    maxConnections: spec.maxConnections,
    connectTimeoutMs: spec.timeouts?.connectMs,
  };
}

export function createProvider(name: string, spec: ProviderSpec, env: NodeJS.ProcessEnv): Provider {
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

/** A provider that could not be created: every call fails with the reason, the rest of Gantry serves. */
function brokenProvider(name: string, type: string, reason: string): Provider {
  const fail = async (): Promise<never> => {
    throw new GatewayError('GW_PROVIDER_MISCONFIGURED', reason);
  };
  return { name, type, chat: fail, chatStream: fail, embeddings: fail, close: async () => {} };
}

/**
 * Live provider instances (connection pools) for the Provider resources of the current snapshot. An
 * instance is reused while its spec is unchanged; after each compile the ones no longer used are
 * closed (undici closes gracefully: in-flight requests finish first).
 */
export function createProviderRegistry(env: NodeJS.ProcessEnv, logger: Logger) {
  const live = new Map<string, Provider>();
  let used = new Set<string>();
  return {
    providerFor(name: string, spec: ProviderSpec): Provider {
      const key = `${name}\n${JSON.stringify(spec)}`;
      used.add(key);
      let p = live.get(key);
      if (!p) {
        try {
          p = createProvider(name, spec, env);
        } catch (err) {
          const reason = err instanceof Error ? err.message : String(err);
          logger.error({ provider: name }, reason);
          p = brokenProvider(name, spec.type, reason);
        }
        live.set(key, p);
      }
      return p;
    },
    /** Closes the instances the last compile did not use. */
    sweep(): void {
      for (const [key, p] of live) {
        if (used.has(key)) continue;
        live.delete(key);
        p.close().catch((err: unknown) => logger.warn({ err, provider: p.name }, 'closing a replaced provider failed'));
      }
      used = new Set();
    },
    async closeAll(): Promise<void> {
      await Promise.all([...live.values()].map((p) => p.close()));
      live.clear();
    },
  };
}
