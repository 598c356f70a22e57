import type { ProviderSpec } from '../control-plane/resources/kinds/provider.js';
import type { SecretApiKey } from '../control-plane/snapshot/compile-model.js';
import { GatewayError, isGatewayError } from '../kernel/errors/index.js';
import type { Logger } from '../kernel/logger.js';
import { createAnthropicProvider } from '../providers/anthropic/index.js';
import type { Provider } from '../providers/contract.js';
import { createOpenAiCompatibleProvider } from '../providers/openai-compatible/index.js';
import { createSimulatorProvider } from '../providers/simulator/index.js';
import { createLiveInstances } from './live-instances.js';

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

/** The credential of `apiKey: {fromEnv}` (the environment) or `apiKey: {secretRef}` (the resolved Secret value). */
function apiKeyOf(name: string, spec: ProviderSpec, env: NodeJS.ProcessEnv, secretValue: string | undefined): string | undefined {
  if (!spec.apiKey) return undefined;
  if ('fromEnv' in spec.apiKey) return fromEnv(spec.apiKey, env);
  if (secretValue === undefined) throw new ProviderSetupError(`Provider "${name}": spec.apiKey names Secret "${spec.apiKey.secretRef}", which was not resolved.`);
  return secretValue;
}

/** The options every HTTP provider takes from its Provider document. */
function httpOptions(name: string, spec: ProviderSpec, env: NodeJS.ProcessEnv, secretValue: string | undefined) {
  return {
    apiKey: apiKeyOf(name, spec, env, secretValue),
    apiKeyEnvName: spec.apiKey && 'fromEnv' in spec.apiKey ? spec.apiKey.fromEnv : undefined,
    headers: spec.headers,
    maxConnections: spec.maxConnections,
    connectTimeoutMs: spec.timeouts?.connectMs,
  };
}

/**
 * An upstream may echo the credential in an error ("Incorrect API key provided: sk-…"), which would
 * reach the client's error message and the usage event: the credential is cut out of such errors.
 */
function withoutCredentialEcho(p: Provider, credential: string | undefined): Provider {
  if (!credential) return p;
  const scrub = (err: unknown): never => {
    if (!isGatewayError(err) || !err.message.includes(credential)) throw err;
    const { status, retryAfter, upstreamStatus, upstreamCode, param, details } = err;
    throw new GatewayError(err.code, err.message.split(credential).join('[credential]'), { status, retryAfter, upstreamStatus, upstreamCode, param, details });
  };
  return {
    name: p.name,
    type: p.type,
    chat: (request, ctx) => p.chat(request, ctx).catch(scrub),
    chatStream: (request, ctx) => p.chatStream(request, ctx).catch(scrub),
    embeddings: (request, ctx) => p.embeddings(request, ctx).catch(scrub),
    close: () => p.close(),
  };
}

/** `secretValue`: the resolved value of `apiKey: {secretRef}` (compile time; never logged). */
export function createProvider(name: string, spec: ProviderSpec, env: NodeJS.ProcessEnv, secretValue?: string): Provider {
  const provider = createUnwrappedProvider(name, spec, env, secretValue);
  return spec.type === 'simulator' ? provider : withoutCredentialEcho(provider, apiKeyOf(name, spec, env, secretValue));
}

function createUnwrappedProvider(name: string, spec: ProviderSpec, env: NodeJS.ProcessEnv, secretValue: string | undefined): Provider {
  switch (spec.type) {
    case 'simulator':
      return createSimulatorProvider({ name, instant: spec.instant ?? false });
    case 'openai-compatible': {
      const baseUrl = resolveBaseUrl(name, spec.baseUrl, env);
      if (!baseUrl) throw new ProviderSetupError(`Provider "${name}": spec.baseUrl is required for type openai-compatible.`);
      return createOpenAiCompatibleProvider({ name, baseUrl, ...httpOptions(name, spec, env, secretValue) });
    }
    case 'anthropic':
      // baseUrl is optional here (default https://api.anthropic.com).
      return createAnthropicProvider({ name, baseUrl: resolveBaseUrl(name, spec.baseUrl, env), ...httpOptions(name, spec, env, secretValue) });
  }
}

/** A provider that could not be created: every call fails with the reason, the rest of Gantry serves. */
function brokenProvider(name: string, type: string, error: GatewayError): Provider {
  const fail = async (): Promise<never> => {
    throw error;
  };
  return { name, type, chat: fail, chatStream: fail, embeddings: fail, close: async () => {} };
}

/**
 * Live provider instances (connection pools) for the Provider resources of the current snapshot. An
 * instance is reused while its spec (and its Secret's version) is unchanged; after each compile the
 * ones no longer used are closed (undici closes gracefully: in-flight requests finish first), so a
 * rotated Secret gets a new instance and the old one drains.
 */
export function createProviderRegistry(env: NodeJS.ProcessEnv, logger: Logger) {
  const instances = createLiveInstances<Provider>(
    (p) => p.close(),
    (err, p) => logger.warn({ err, provider: p.name }, 'closing a replaced provider failed'),
  );

  function setUp(name: string, spec: ProviderSpec, apiKey: SecretApiKey | undefined): Provider {
    if (apiKey && 'error' in apiKey) {
      logger.error({ provider: name, secret: apiKey.secret, code: apiKey.error.code }, `Provider "${name}" cannot be set up: ${apiKey.error.message}`);
      // Clients get the code and who to ask; key ids and set-up hints stay in the operator's log.
      const forClients = new GatewayError('GW_SECRET_UNAVAILABLE', `The credential of provider "${name}" cannot be used on this Gantry (its Secret cannot be decrypted here). Your platform team has the details in the Gantry log.`);
      return brokenProvider(name, spec.type, forClients);
    }
    try {
      return createProvider(name, spec, env, apiKey?.value);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      logger.error({ provider: name }, reason);
      return brokenProvider(name, spec.type, new GatewayError('GW_PROVIDER_MISCONFIGURED', reason));
    }
  }

  return {
    providerFor(name: string, spec: ProviderSpec, apiKey?: SecretApiKey): Provider {
      // The Secret's uid and version, never its value.
      return instances.get(`${name}\n${JSON.stringify(spec)}\n${apiKey?.revision ?? ''}`, () => setUp(name, spec, apiKey));
    },
    /** Closes the instances the last compile did not use. */
    sweep: instances.sweep,
    closeAll: instances.closeAll,
  };
}
