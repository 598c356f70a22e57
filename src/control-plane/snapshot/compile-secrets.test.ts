import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../kernel/errors/index.js';
import type { Provider } from '../../providers/contract.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import type { ResolvedSecret, SecretResolver } from '../secrets/types.js';
import { createSnapshotCompiler } from './compile.js';
import type { SecretApiKey } from './compile-model.js';
import { createResourceCache } from './resource-cache.js';

let revision = 0;
function row(kind: string, name: string, spec: Record<string, unknown>): StoredResource {
  return {
    kind, name, uid: `uid-${kind}-${name}`, team: undefined, owner: undefined, labels: {}, spec, status: undefined, secret: undefined,
    generation: 1, revision: ++revision, createdAt: 0, updatedAt: 0, createdBy: 't', updatedBy: 't', deleted: false, lastUsedAt: undefined,
  };
}

/** Compiles with a resolver whose answers the test sets; records what each provider was built with. */
function setup(secrets: Map<string, ResolvedSecret | Error> | undefined) {
  const cache = createResourceCache();
  cache.apply([
    row('Secret', 'openai-prod', {}),
    row('Provider', 'openai', { type: 'openai-compatible', baseUrl: 'http://127.0.0.1:1/v1', apiKey: { secretRef: 'openai-prod' } }),
    row('Provider', 'local', { type: 'openai-compatible', baseUrl: 'http://127.0.0.1:2/v1' }),
    row('Model', 'gpt', { deployments: [{ provider: 'openai' }, { provider: 'local' }] }),
    row('Model', 'small', { provider: 'local' }),
  ]);
  const calls: { name: string; apiKey: SecretApiKey | undefined }[] = [];
  const resolver: SecretResolver | undefined = secrets && {
    resolve(name) {
      const r = secrets.get(name);
      if (r instanceof Error) throw r;
      return r;
    },
  };
  const compile = createSnapshotCompiler({
    providerFor: (name, _spec, apiKey) => {
      calls.push({ name, apiKey });
      return { name } as unknown as Provider;
    },
    createdAt: 0,
    secrets: resolver,
  });
  let generation = 0;
  return { calls, snap: () => compile(++generation, cache, []) };
}

describe('providers with apiKey {secretRef}', () => {
  it('get the resolved value and a revision of the version (a rotation makes a new provider); models list the Secrets they use', () => {
    const secrets = new Map<string, ResolvedSecret | Error>([['openai-prod', { value: 'sk-v1', version: 1 }]]);
    const { calls, snap } = setup(secrets);
    const first = snap();
    expect(first.models.get('gpt')?.secrets).toEqual(['openai-prod']);
    expect(first.models.get('small')?.secrets).toEqual([]);
    const openai = calls.find((c) => c.name === 'openai')?.apiKey;
    expect(openai).toEqual({ secret: 'openai-prod', revision: 'uid-Secret-openai-prod#1', value: 'sk-v1' });
    expect(calls.find((c) => c.name === 'local')?.apiKey).toBeUndefined();
    secrets.set('openai-prod', { value: 'sk-v2', version: 2 });
    calls.length = 0;
    snap();
    expect(calls.find((c) => c.name === 'openai')?.apiKey).toEqual({ secret: 'openai-prod', revision: 'uid-Secret-openai-prod#2', value: 'sk-v2' });
    // The revision never carries the value.
    expect(JSON.stringify(calls.map((c) => c.apiKey?.revision))).not.toContain('sk-v');
  });

  it('hand the provider the reason when the Secret cannot be decrypted, or there is no master key', () => {
    const failing = new GatewayError('GW_SECRET_UNAVAILABLE', 'Secret "openai-prod" (version 1) cannot be decrypted. It was encrypted with master key id abc.');
    const { calls, snap } = setup(new Map([['openai-prod', failing]]));
    const compiled = snap();
    // The model still compiles: its other deployment serves.
    expect(compiled.models.get('gpt')?.deployments).toHaveLength(2);
    const key = calls.find((c) => c.name === 'openai')?.apiKey;
    expect(key && 'error' in key ? key.error : undefined).toBe(failing);
    const none = setup(undefined);
    none.snap();
    const missing = none.calls.find((c) => c.name === 'openai')?.apiKey;
    expect(missing && 'error' in missing ? missing.error.message : '').toMatch(/Secret "openai-prod" cannot be used: this process has no master key/);
  });
});
