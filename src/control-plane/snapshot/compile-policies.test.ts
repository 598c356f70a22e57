import { describe, expect, it } from 'vitest';
import type { PolicyRequest } from '../../policy/types.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import { createPolicyCompiler } from './compile-policies.js';

function row(kind: string, name: string, spec: Record<string, unknown>, labels: Record<string, string> = {}): StoredResource {
  return {
    kind, name, uid: `uid-${kind}-${name}`, team: undefined, owner: undefined, labels, spec, status: undefined, secret: undefined,
    generation: 1, revision: 1, createdAt: 0, updatedAt: 0, createdBy: 't', updatedBy: 't', deleted: false, lastUsedAt: undefined,
  };
}

function source(rows: StoredResource[]) {
  return {
    all: (kind: string) => rows.filter((r) => r.kind === kind),
    get: (kind: string, name: string) => rows.find((r) => r.kind === kind && r.name === name),
  };
}

const restricted = (model: string): PolicyRequest => ({
  principal: { type: 'ApiKey', id: 'k', team: 't' },
  action: 'invoke_model',
  resource: { type: 'Model', id: model },
  context: { dataClass: 'restricted', projectedSpendMicros: 0, budgetMicros: 0, hour: 12, weekday: 3, tags: {}, tools: false, toolNames: [], promptTokens: 0, stream: false },
});

describe('compilePolicies: Model attributes', () => {
  const rows = [
    row('Provider', 'sim', { type: 'simulator' }),
    row('Provider', 'openai', { type: 'openai-compatible', baseUrl: 'https://api.openai.com/v1' }),
    row('Model', 'local', { provider: 'sim' }),
    // First deployment on the simulator, the failover one on a hosted provider: not self-hosted.
    row('Model', 'mixed', { deployments: [{ provider: 'sim' }, { provider: 'openai' }] }),
    row('Model', 'labelled', { deployments: [{ provider: 'sim' }, { provider: 'openai' }] }, { 'gantry.dev/self-hosted': 'true' }),
    row('Policy', 'restricted-data', { policy: 'forbid(principal, action, resource) when { context.dataClass == "restricted" && !resource.selfHosted };' }),
  ];
  const engine = createPolicyCompiler()(source(rows), rows);

  it('a model is self-hosted by the simulator only when every deployment is on one', () => {
    expect(engine?.decide(restricted('local')).allowed).toBe(true);
    expect(engine?.decide(restricted('mixed')).deniedBy).toEqual(['restricted-data']);
  });

  it('the self-hosted label is the admin saying so', () => {
    expect(engine?.decide(restricted('labelled')).allowed).toBe(true);
  });
});
