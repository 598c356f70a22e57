
import { describe, expect, it } from 'vitest';
import { testSnapshot } from '../../../test/helpers/compiled.js';
import { systemClock } from '../../kernel/clock.js';
import type { Principal } from '../../kernel/types.js';
import type { ChatCompletionRequest } from '../../kernel/wire/openai.js';
import { compilePolicyEngine } from '../../policy/cedar-engine.js';
import type { PolicyEngine, PolicyRequest } from '../../policy/types.js';
import { telemetryChannels } from '../../telemetry/channels.js';
import { newRequestContext, type RequestContext } from '../context.js';
import { createMeter } from '../metering/meter.js';
import { createDeploymentHealth } from '../routing/deployment-health.js';
import { createUpstreamCaller } from '../routing/upstream-caller.js';
import type { CompiledAgent, CompiledGrant, CompiledModel, CompiledRoute } from '../snapshot.js';
import type { DriftReporter } from './agent-drift.js';
import { createAuthorize } from './authorize.js';
import { countingProvider as provider, decisions, policyTestModel as model } from './fixtures/policy-fixtures.js';
import { createResolveModel } from './resolve-model.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 7, 12);
/** An approved grant for team research, active from T0 for 2 hours. */
function grant(name: string, action: CompiledGrant['action'], resource: string, over: Partial<CompiledGrant> = {}): CompiledGrant {
  return { name, team: 'research', agent: undefined, user: undefined, apiKey: undefined, action, resource, from: T0, until: T0 + 2 * HOUR, ...over };
}

interface Setup {
  readonly models: CompiledModel[];
  readonly policy?: string;
  readonly engine?: PolicyEngine;
  readonly grants?: CompiledGrant[];
  readonly agents?: CompiledAgent[];
  readonly routes?: CompiledRoute[];
}

function context(s: Setup, principal: Principal, at: number, headers: Record<string, string> = {}): RequestContext {
  const snapshot = testSnapshot({
    routes: new Map((s.routes ?? []).map((r) => [r.name, r])),
    policies: s.engine ?? (s.policy ? compilePolicyEngine([{ name: 'p', text: s.policy, mode: 'enforce' }]) : undefined),
    models: new Map(s.models.map((m) => [m.name, m])),
    agents: new Map((s.agents ?? []).map((a) => [a.name, a])),
    grants: s.grants ?? [],
  });
  const ctx = newRequestContext({ requestId: 'r', endpoint: 'chat.completions', startedAt: at, startMono: 0, headers, snapshot });
  ctx.principal = principal;
  ctx.attribution = { agent: headers['x-gantry-agent'] ?? principal.agent, workflow: undefined, run: undefined, tags: {} };
  return ctx;
}

const chat = (m: string, tools: string[] = []): ChatCompletionRequest => ({
  model: m,
  messages: [{ role: 'user', content: 'hi' }],
  ...(tools.length > 0 ? { tools: tools.map((name) => ({ type: 'function' as const, function: { name } })) } : {}),
});

function recordingDrift(): DriftReporter & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    unregisteredAgent: (_c, a) => calls.push(`unregistered:${a}`),
    undeclaredModel: (_c, m) => calls.push(`model:${m}`),
    undeclaredTool: (_c, t) => calls.push(`tool:${t}`),
    offeredTools: (_c, names) => calls.push(`offered:${names.join(',')}`),
  };
}

const authorize = createAuthorize({ channels: telemetryChannels(), spend: { monthToDateMicros: () => 0 } });
const meter = createMeter({ usageSink: { record: () => {} }, channels: telemetryChannels(), clock: { now: () => 0, monotonic: () => 0 } });

/** Resolves (and authorizes) `asked`; the error code, or the usage event's policy evidence on success. */
function run(s: Setup, principal: Principal, asked: string, at: number, opts: { headers?: Record<string, string>; drift?: DriftReporter; tools?: string[] } = {}): { code?: string; message?: string; policy?: string; ctx: RequestContext } {
  const ctx = context(s, principal, at, opts.headers);
  ctx.requestedModel = asked;
  try {
    createResolveModel(authorize, opts.drift)(ctx, chat(asked, opts.tools));
  } catch (err) {
    return { code: (err as { code?: string }).code, message: (err as Error).message, ctx };
  }
  return { code: undefined, policy: meter.finish(ctx).policy, ctx };
}

const scopedKey: Principal = { keyId: 'k', keyName: 'oncall-key', team: 'research', models: new Set(['small']) };
const plainKey: Principal = { keyId: 'k', keyName: 'ci-key', team: 'research' };

describe('grants: a key model scope', () => {
  const models = [model('small'), model('big')];

  it('a key scoped to one model gets another only while a grant is active, then is refused again with the same snapshot', () => {
    const s: Setup = { models, grants: [grant('incident-42', 'invoke_model', 'big')] };
    expect(run(s, scopedKey, 'big', T0 - 1).code).toBe('GW_MODEL_NOT_ALLOWED');
    expect(run(s, scopedKey, 'big', T0 + HOUR)).toMatchObject({ code: undefined, policy: 'grant:incident-42' });
    // No recompile: the same snapshot, a clock past `until`.
    expect(run(s, scopedKey, 'big', T0 + 2 * HOUR).code).toBe('GW_MODEL_NOT_ALLOWED');
    // The scoped model itself needs no grant and carries no evidence.
    expect(run(s, scopedKey, 'small', T0 + HOUR)).toMatchObject({ code: undefined, policy: undefined });
  });

  it('a grant applies only to the principal, team, action and model it names', () => {
    const cases: [CompiledGrant, Principal][] = [
      [grant('other-team', 'invoke_model', 'big', { team: 'sales' }), scopedKey],
      [grant('other-key', 'invoke_model', 'big', { apiKey: 'someone-else' }), scopedKey],
      [grant('other-model', 'invoke_model', 'small'), scopedKey],
      [grant('other-action', 'read_secret', 'big'), scopedKey],
      [grant('other-user', 'invoke_model', 'big', { user: 'alice' }), { ...scopedKey, user: 'bob' }],
    ];
    for (const [g, who] of cases) expect(run({ models, grants: [g] }, who, 'big', T0 + HOUR).code, g.name).toBe('GW_MODEL_NOT_ALLOWED');
    expect(run({ models, grants: [grant('this-key', 'invoke_model', 'big', { apiKey: 'oncall-key' })] }, scopedKey, 'big', T0 + HOUR).policy).toBe('grant:this-key');
  });

  it('a grant naming a Route lets the key use whatever the Route picks', () => {
    const route = { name: 'auto', targets: ['big'], baseline: undefined, sticky: 'none', decide: () => ({ model: 'big', reason: 'default' }) } as unknown as CompiledRoute;
    const s: Setup = { models, routes: [route], grants: [grant('via-route', 'invoke_model', 'auto')] };
    expect(run(s, scopedKey, 'auto', T0 + HOUR).policy).toBe('grant:via-route');
    expect(run({ ...s, grants: [] }, scopedKey, 'auto', T0 + HOUR).code).toBe('GW_MODEL_NOT_ALLOWED');
  });
});

describe('grants: an agent declared models (and drift)', () => {
  const models = [model('small'), model('big')];
  const bot: CompiledAgent = { name: 'bot', owner: 'research', serving: true, models: new Set(['small']), tools: new Set(['demo__echo']) };
  const botKey: Principal = { keyId: 'k', keyName: 'bot-key', team: 'research', agent: 'bot' };

  it('refuses an undeclared model without a grant, serves it with one, and reports the drift both times', () => {
    const drift = recordingDrift();
    expect(run({ models, agents: [bot] }, botKey, 'big', T0 + HOUR, { drift }).code).toBe('GW_MODEL_NOT_ALLOWED');
    const granted = run({ models, agents: [bot], grants: [grant('bot-big', 'invoke_model', 'big', { agent: 'bot' })] }, botKey, 'big', T0 + HOUR, { drift });
    expect(granted.policy).toBe('grant:bot-big');
    expect(drift.calls).toEqual(['model:big', 'model:big']);
  });

  it('reports the drift when the agent key scope (the agent models) refuses first', () => {
    const drift = recordingDrift();
    const scoped: Principal = { ...botKey, models: new Set(['small']) };
    const r = run({ models, agents: [bot] }, scoped, 'big', T0 + HOUR, { drift });
    expect(r.message).toContain('This API key may not use the model "big"');
    expect(drift.calls).toEqual(['model:big']);
    expect(run({ models, agents: [bot], grants: [grant('bot-big', 'invoke_model', 'big', { agent: 'bot' })] }, scoped, 'big', T0 + HOUR).policy).toBe('grant:bot-big');
  });

  it('a grant for one agent does not cover another agent of the team', () => {
    const other: CompiledAgent = { ...bot, name: 'other' };
    const s: Setup = { models, agents: [bot, other], grants: [grant('bot-big', 'invoke_model', 'big', { agent: 'bot' })] };
    expect(run(s, { ...plainKey, agent: 'other' }, 'big', T0 + HOUR).code).toBe('GW_MODEL_NOT_ALLOWED');
  });

  it('reports offered function tools outside the agent declaration, only for agents that declare tools', () => {
    const drift = recordingDrift();
    run({ models, agents: [bot] }, botKey, 'small', T0, { drift, tools: ['demo__echo', 'demo__delete_everything'] });
    expect(drift.calls).toEqual(['offered:demo__echo,demo__delete_everything']);
    const quiet = recordingDrift();
    run({ models, agents: [{ ...bot, tools: undefined }] }, botKey, 'small', T0, { drift: quiet, tools: ['x'] });
    run({ models, agents: [bot] }, botKey, 'small', T0, { drift: quiet });
    expect(quiet.calls).toEqual([]);
  });
});

describe('grants: Cedar invoke_model denials', () => {
  const forbidBig = 'forbid(principal in Gantry::Team::"research", action == Gantry::Action::"invoke_model", resource == Gantry::Model::"big");';

  it('an active grant overrides an enforced denial, with grant:<name> in the usage event and a granted decision', () => {
    const s: Setup = { models: [model('big')], policy: forbidBig, grants: [grant('incident-42', 'invoke_model', 'big')] };
    let result: ReturnType<typeof run> | undefined;
    const messages = decisions(() => {
      result = run(s, plainKey, 'big', T0 + HOUR);
    });
    expect(result).toMatchObject({ code: undefined, policy: 'grant:incident-42' });
    expect(messages).toEqual([expect.objectContaining({ outcome: 'granted', policyIds: ['p'], resource: 'Model:big' })]);
    const expired = run(s, plainKey, 'big', T0 + 3 * HOUR);
    expect(expired.code).toBe('GW_POLICY_DENIED');
    expect(expired.ctx.grantedBy).toBeUndefined();
  });

  it('keeps a forbidden fallback model only with a grant; the evidence is the grant when that fallback serves', async () => {
    const serve = async (grants: CompiledGrant[]) => {
      const small = provider(true);
      const big = provider(false);
      const ctx = context({ models: [model('small', { p: small, fallbacks: ['big'] }), model('big', { p: big })], policy: forbidBig, grants }, plainKey, T0 + HOUR);
      ctx.requestedModel = 'small';
      createResolveModel(authorize)(ctx, chat('small'));
      const channels = telemetryChannels();
      const caller = createUpstreamCaller({ health: createDeploymentHealth({ clock: systemClock, channels }), clock: systemClock, channels, sleep: async () => {} });
      const code = await caller.chat(ctx, chat('small'), undefined).then(
        () => undefined,
        (err: { code?: string }) => err.code,
      );
      return { code, bigCalls: big.calls, policy: meter.finish(ctx).policy };
    };
    expect(await serve([])).toEqual({ code: 'GW_UPSTREAM_ERROR', bigCalls: 0, policy: undefined });
    expect(await serve([grant('fallback-ok', 'invoke_model', 'big')])).toEqual({ code: undefined, bigCalls: 1, policy: 'grant:fallback-ok' });
  });

  it('a fallback grant is not evidence when the requested model serves', () => {
    const s: Setup = { models: [model('small', { fallbacks: ['big'] }), model('big')], policy: forbidBig, grants: [grant('fallback-ok', 'invoke_model', 'big')] };
    const r = run(s, plainKey, 'small', T0 + HOUR);
    expect(r.ctx.model?.routing.fallbacks).toEqual(['big']);
    expect(r.policy).toBeUndefined();
  });
});

describe('grants: read_secret', () => {
  const forbidSecret = 'forbid(principal in Gantry::Team::"research", action == Gantry::Action::"read_secret", resource == Gantry::Secret::"openai-prod");';
  const prodModel = model('gpt-prod', { secrets: ['openai-prod'] });

  it('an enforced read_secret denial refuses a model whose provider uses that Secret, naming the policy and the Secret', () => {
    const r = run({ models: [prodModel, model('local')], policy: forbidSecret }, plainKey, 'gpt-prod', T0);
    expect(r.code).toBe('GW_POLICY_DENIED');
    expect(r.message).toContain('Policy "p" denies read_secret on Secret "openai-prod" (used by Model "gpt-prod")');
    expect(r.ctx.policyDeniedBy).toEqual(['p']);
    expect(run({ models: [prodModel, model('local')], policy: forbidSecret }, plainKey, 'local', T0).code).toBeUndefined();
    expect(run({ models: [prodModel], policy: forbidSecret }, { ...plainKey, team: 'sales' }, 'gpt-prod', T0).code).toBeUndefined();
  });

  it('a read_secret grant lets it through with evidence and a granted decision', () => {
    let r: ReturnType<typeof run> | undefined;
    const messages = decisions(() => {
      r = run({ models: [prodModel], policy: forbidSecret, grants: [grant('secret-ok', 'read_secret', 'openai-prod')] }, plainKey, 'gpt-prod', T0 + HOUR);
    });
    expect(r).toMatchObject({ code: undefined, policy: 'grant:secret-ok' });
    expect(messages).toEqual([expect.objectContaining({ outcome: 'granted', action: 'read_secret', policyIds: ['p'], resource: 'Secret:openai-prod' })]);
  });

  it('leaves out a fallback model whose Secret a policy denies', () => {
    const r = run({ models: [model('local', { fallbacks: ['gpt-prod'] }), prodModel], policy: forbidSecret }, plainKey, 'local', T0);
    expect(r.ctx.model?.routing.fallbacks).toEqual([]);
  });

  it('asks no read_secret decision when no policy can apply to read_secret', () => {
    const inner = compilePolicyEngine([{ name: 'p', text: 'forbid(principal, action, resource == Gantry::Model::"other");', mode: 'enforce' }]);
    const asked: PolicyRequest['action'][] = [];
    const engine: PolicyEngine = {
      size: inner.size,
      coversAction: (a) => inner.coversAction(a),
      decide(req) {
        asked.push(req.action);
        return inner.decide(req);
      },
    };
    expect(run({ models: [prodModel], engine }, plainKey, 'gpt-prod', T0).code).toBeUndefined();
    expect(asked).toEqual(['invoke_model']);
  });
});
