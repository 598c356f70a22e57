import type { PolicyValue } from './types.js';

/** Model label that marks a model as self-hosted for policies (`resource.selfHosted`). */
export const SELF_HOSTED_LABEL = 'gantry.dev/self-hosted';

/** What a Model's Cedar attributes are made of, read from a stored resource or a YAML document. */
export interface ModelFacts {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Provider of every deployment, in order (one entry for `spec.provider`). */
  readonly providers: readonly string[];
  readonly gpuPool: boolean;
}

/**
 * A Model's Cedar attributes (design-9), the same for the gateway and `gantry policy test`: its
 * first deployment's provider decides provider and providerType; the simulator makes it
 * self-hosted only when every deployment is on one (a request may fail over to any of them).
 */
export function modelPolicyAttrs(m: ModelFacts, providerType: (provider: string) => string): Record<string, PolicyValue> {
  const provider = m.providers[0] ?? '';
  const selfHosted = m.labels[SELF_HOSTED_LABEL] === 'true' || m.gpuPool || m.providers.every((p) => providerType(p) === 'simulator');
  return { name: m.name, provider, providerType: providerType(provider), selfHosted, labels: { ...m.labels } };
}
