
import { describe, expect, it } from 'vitest';
import { testSnapshot } from '../../../test/helpers/compiled.js';
import { systemClock } from '../../kernel/clock.js';
import type { Principal } from '../../kernel/types.js';
import type { ChatCompletionRequest } from '../../kernel/wire/openai.js';
import { compilePolicyEngine } from '../../policy/cedar-engine.js';
import type { Provider } from '../../providers/contract.js';
import { telemetryChannels } from '../../telemetry/channels.js';
import { newRequestContext, type RequestContext } from '../context.js';
import { createMeter } from '../metering/meter.js';
import { createDeploymentHealth } from '../routing/deployment-health.js';
import { createUpstreamCaller } from '../routing/upstream-caller.js';
import type { CompiledAgent, CompiledModel } from '../snapshot.js';
import { createAuthorize } from './authorize.js';
import { countingProvider as provider, decisions, policyTestModel } from './fixtures/policy-fixtures.js';
import { createResolveModel } from './resolve-model.js';

const model = (name: string, p: Provider, fallbacks: string[] = []): CompiledModel => policyTestModel(name, { p, fallbacks });

function context(models: CompiledModel[], policy: string, principal: Principal, headers: Record<string, string> = {}, agents: CompiledAgent[] = [], mode: 'enforce' | 'dry-run' = 'enforce'): RequestContext {
  const snapshot = testSnapshot({
    policies: compilePolicyEngine([{ name: 'p', text: policy, mode }]),
    models: new Map(models.map((m) => [m.name, m])),
    agents: new Map(agents.map((a) => [a.name, a])),
  });
  const ctx = newRequestContext({ requestId: 'r', endpoint: 'chat.completions', startedAt: Date.UTC(2026, 0, 7, 12), startMono: 0, headers, snapshot });
  ctx.principal = principal;
  ctx.attribution = { agent: headers['x-gantry-agent'] ?? principal.agent, workflow: undefined, run: undefined, tags: {} };
  return ctx;
}

const chat = (m: string): ChatCompletionRequest => ({ model: m, messages: [{ role: 'user', content: 'hi' }] });
const resolveModel = createResolveModel(createAuthorize({ channels: telemetryChannels(), spend: { monthToDateMicros: () => 0 } }));
const codeOf = (fn: () => void): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
};

describe('authorize', () => {
  it('never fails over to a fallback model an enforced policy forbids', async () => {
    const small = provider(true);
    const large = provider(false);
    const models = [model('sim-small', small, ['sim-large']), model('sim-large', large)];
    const ctx = context(models, 'forbid(principal in Gantry::Team::"restricted", action, resource == Gantry::Model::"sim-large");', { keyId: 'k', keyName: 'rk', team: 'restricted' });
    ctx.requestedModel = 'sim-small';
    resolveModel(ctx, chat('sim-small'));
    const channels = telemetryChannels();
    const caller = createUpstreamCaller({ health: createDeploymentHealth({ clock: systemClock, channels }), clock: systemClock, channels, sleep: async () => {} });
    await expect(caller.chat(ctx, chat('sim-small'), undefined)).rejects.toMatchObject({ code: 'GW_UPSTREAM_ERROR' });
    expect(large.calls).toBe(0);
    expect(small.calls).toBe(1);
  });

  it('still fails over to fallback models the policies allow', async () => {
    const small = provider(true);
    const large = provider(false);
    const models = [model('sim-small', small, ['sim-large']), model('sim-large', large)];
    const ctx = context(models, 'forbid(principal in Gantry::Team::"restricted", action, resource == Gantry::Model::"sim-large");', { keyId: 'k', keyName: 'ok', team: 'research' });
    ctx.requestedModel = 'sim-small';
    resolveModel(ctx, chat('sim-small'));
    const channels = telemetryChannels();
    const caller = createUpstreamCaller({ health: createDeploymentHealth({ clock: systemClock, channels }), clock: systemClock, channels, sleep: async () => {} });
    await caller.chat(ctx, chat('sim-small'), undefined);
    expect(large.calls).toBe(1);
    expect(ctx.servedModel?.name).toBe('sim-large');
  });

  it('an unregistered x-gantry-agent name does not turn a forbidden key into an unnamed agent', () => {
    const models = [model('sim-large', provider(false))];
    const policy = 'forbid(principal == Gantry::ApiKey::"ci-key", action, resource);';
    const key: Principal = { keyId: 'k', keyName: 'ci-key', team: 'research' };
    const plain = context(models, policy, key);
    plain.requestedModel = 'sim-large';
    expect(codeOf(() => resolveModel(plain, chat('sim-large')))).toBe('GW_POLICY_DENIED');
    const named = context(models, policy, key, { 'x-gantry-agent': 'anything' });
    named.requestedModel = 'sim-large';
    expect(codeOf(() => resolveModel(named, chat('sim-large')))).toBe('GW_POLICY_DENIED');
  });

  it('a registered agent (or the key own agent) is the principal', () => {
    const models = [model('sim-large', provider(false))];
    const policy = 'forbid(principal == Gantry::Agent::"bot", action, resource);';
    const viaHeader = context(models, policy, { keyId: 'k', keyName: 'shared', team: 'research' }, { 'x-gantry-agent': 'bot' }, [{ name: 'bot', owner: 'research', serving: true, models: undefined, tools: undefined }]);
    viaHeader.requestedModel = 'sim-large';
    expect(codeOf(() => resolveModel(viaHeader, chat('sim-large')))).toBe('GW_POLICY_DENIED');
    const ownKey = context(models, policy, { keyId: 'k', keyName: 'bot-key', team: 'research', agent: 'bot' });
    ownKey.requestedModel = 'sim-large';
    expect(codeOf(() => resolveModel(ownKey, chat('sim-large')))).toBe('GW_POLICY_DENIED');
  });

  it('publishes policies that failed to evaluate as an error decision', () => {
    // No `tier` tag on the model: getTag errors, Cedar skips the policy and the request is served.
    const ctx = context([model('sim-large', provider(false))], 'forbid(principal, action, resource) when { resource.getTag("tier") != "gold" };', { keyId: 'k', keyName: 'ci-key', team: 'research' });
    ctx.requestedModel = 'sim-large';
    const messages = decisions(() => resolveModel(ctx, chat('sim-large')));
    expect(messages).toEqual([expect.objectContaining({ outcome: 'error', policyIds: ['p'], requestId: 'r', resource: 'Model:sim-large' })]);
  });

  it('the usage event shows the dry-run would-deny of the fallback model that served, not of the one that failed', async () => {
    const evidence = async (forbidden: string): Promise<string | undefined> => {
      const models = [model('sim-small', provider(true), ['sim-large']), model('sim-large', provider(false))];
      const ctx = context(models, `forbid(principal, action, resource == Gantry::Model::"${forbidden}");`, { keyId: 'k', keyName: 'ok', team: 'research' }, {}, [], 'dry-run');
      ctx.requestedModel = 'sim-small';
      resolveModel(ctx, chat('sim-small'));
      const channels = telemetryChannels();
      const caller = createUpstreamCaller({ health: createDeploymentHealth({ clock: systemClock, channels }), clock: systemClock, channels, sleep: async () => {} });
      await caller.chat(ctx, chat('sim-small'), undefined);
      expect(ctx.servedModel?.name).toBe('sim-large');
      const meter = createMeter({ usageSink: { record: () => {} }, channels, clock: { now: () => 0, monotonic: () => 0 } });
      return meter.finish(ctx).policy;
    };
    expect(await evidence('sim-large')).toBe('would_deny:p');
    expect(await evidence('sim-small')).toBeUndefined();
  });
});
