import { describe, expect, it } from 'vitest';
import { compiledModel, testSnapshot } from '../../../test/helpers/compiled.js';
import type { GatewayError } from '../../kernel/errors/index.js';
import type { Attribution, Principal } from '../../kernel/types.js';
import type { ChatCompletionRequest } from '../../kernel/wire/openai.js';
import { newRequestContext, type RequestContext } from '../context.js';
import type { CompiledAgent, CompiledModel, CompiledRoute, RequestFeatures, RuntimeSnapshot } from '../snapshot.js';
import { createResolveModel } from './resolve-model.js';

const price = (outputPer1M: number) => ({ free: false as const, prices: { inputPer1M: outputPer1M / 4, cachedInputPer1M: 0, cacheWritePer1M: 0, outputPer1M, perRequest: 0 }, version: 't' });
const model = (name: string, outputPer1M: number, type: 'chat' | 'embedding' = 'chat'): CompiledModel =>
  compiledModel({ name, type, deployments: [], pricing: price(outputPer1M), limits: { maxOutputTokens: 4096, contextWindow: undefined } });

/** Picks large when the prompt mentions "prove"; records what it was asked with. */
function proofRoute(sticky: CompiledRoute['sticky'] = 'run') {
  const seen: { features: RequestFeatures; stickyKey: string | undefined }[] = [];
  const route: CompiledRoute = {
    name: 'auto',
    targets: ['small', 'large'],
    baseline: 'large',
    sticky,
    decide(features, stickyKey) {
      seen.push({ features, stickyKey });
      return features.lastUser.includes('prove') ? { model: 'large', reason: 'rule:proofs' } : { model: 'small', reason: 'default' };
    },
  };
  return { route, seen };
}

function snapshot(route: CompiledRoute, agents: CompiledAgent[] = []): RuntimeSnapshot {
  return testSnapshot({
    routes: new Map([['auto', route]]),
    models: new Map([
      ['small', model('small', 600_000)],
      ['large', model('large', 10_000_000)],
      ['embed', model('embed', 0, 'embedding')],
    ]),
    agents: new Map(agents.map((a) => [a.name, a])),
  });
}

const principal = (models?: string[]): Principal => ({ keyId: 'key_1', keyName: 'k', team: 'team-a', ...(models ? { models: new Set(models) } : {}) });
const attribution = (over: Partial<Attribution> = {}): Attribution => ({ agent: undefined, workflow: undefined, run: undefined, tags: {}, ...over });
const ask = (text: string): ChatCompletionRequest => ({ model: 'auto', messages: [{ role: 'user', content: text }] });

function ctxFor(snap: RuntimeSnapshot, p: Principal, a: Attribution = attribution(), endpoint: RequestContext['endpoint'] = 'chat.completions'): RequestContext {
  const ctx = newRequestContext({ requestId: 'r', endpoint, startedAt: 0, startMono: 0, headers: {}, snapshot: snap });
  ctx.principal = p;
  ctx.attribution = a;
  ctx.requestedModel = 'auto';
  return ctx;
}

const resolveModel = createResolveModel();
const codeOf = (fn: () => void) => {
  try {
    fn();
  } catch (err) {
    return (err as GatewayError).code;
  }
  return undefined;
};

describe('resolving a Route', () => {
  it('continues with the model it picked, recording the route, its reason and the baseline model', () => {
    const { route, seen } = proofRoute();
    const snap = snapshot(route);
    const ctx = ctxFor(snap, principal());
    resolveModel(ctx, ask('Please PROVE it'));
    expect(ctx.model?.name).toBe('large');
    expect(ctx.route).toEqual({ name: 'auto', reason: 'rule:proofs', baseline: snap.models.get('large') });
    expect(seen[0]?.features.team).toBe('team-a');
    const cheap = ctxFor(snap, principal());
    resolveModel(cheap, () => ask('hello'));
    expect(cheap.model?.name).toBe('small');
    expect(cheap.route?.reason).toBe('default');
  });

  it('is sticky on the run, else the key; not at all with sticky none', () => {
    const run = proofRoute('run');
    resolveModel(ctxFor(snapshot(run.route), principal(), attribution({ run: 'run-7' })), ask('x'));
    resolveModel(ctxFor(snapshot(run.route), principal()), ask('x'));
    expect(run.seen.map((s) => s.stickyKey)).toEqual(['run:run-7', 'key:key_1']);
    const key = proofRoute('key');
    resolveModel(ctxFor(snapshot(key.route), principal(), attribution({ run: 'run-7' })), ask('x'));
    const none = proofRoute('none');
    resolveModel(ctxFor(snapshot(none.route), principal(), attribution({ run: 'run-7' })), ask('x'));
    expect([key.seen[0]?.stickyKey, none.seen[0]?.stickyKey]).toEqual(['key:key_1', undefined]);
  });

  it('a key scoped to the route may use whatever it picks; one scoped to targets only the ones it lists', () => {
    const { route } = proofRoute();
    const snap = snapshot(route);
    expect(codeOf(() => resolveModel(ctxFor(snap, principal(['auto'])), ask('prove it')))).toBeUndefined();
    expect(codeOf(() => resolveModel(ctxFor(snap, principal(['small'])), ask('hello')))).toBeUndefined();
    const refused = ctxFor(snap, principal(['small']));
    let message = '';
    try {
      resolveModel(refused, ask('prove it'));
    } catch (err) {
      message = (err as GatewayError).message;
      expect((err as GatewayError).code).toBe('GW_MODEL_NOT_ALLOWED');
    }
    expect(message).toContain('"large" that Route "auto" chose (rule:proofs)');
    expect(codeOf(() => resolveModel(ctxFor(snap, principal(['large'])), ask('hello')))).toBe('GW_MODEL_NOT_ALLOWED');
  });

  it("applies an agent's model list the same way", () => {
    const { route } = proofRoute();
    const snap = snapshot(route, [
      { name: 'router-bot', owner: 'team-a', serving: true, models: new Set(['auto']), tools: undefined },
      { name: 'cheap-bot', owner: 'team-a', serving: true, models: new Set(['small']), tools: undefined },
    ]);
    expect(codeOf(() => resolveModel(ctxFor(snap, principal(), attribution({ agent: 'router-bot' })), ask('prove it')))).toBeUndefined();
    expect(codeOf(() => resolveModel(ctxFor(snap, principal(), attribution({ agent: 'cheap-bot' })), ask('hello')))).toBeUndefined();
    expect(codeOf(() => resolveModel(ctxFor(snap, principal(), attribution({ agent: 'cheap-bot' })), ask('prove it')))).toBe('GW_MODEL_NOT_ALLOWED');
  });

  it('is chat only: embeddings naming a route are refused; models are resolved as before', () => {
    const { route, seen } = proofRoute();
    const snap = snapshot(route);
    expect(codeOf(() => resolveModel(ctxFor(snap, principal(), attribution(), 'embeddings')))).toBe('GW_MODEL_WRONG_ENDPOINT');
    const direct = ctxFor(snap, principal());
    direct.requestedModel = 'small';
    resolveModel(direct);
    expect(direct.model?.name).toBe('small');
    expect(direct.route).toBeUndefined();
    expect(seen).toHaveLength(0);
  });
});
