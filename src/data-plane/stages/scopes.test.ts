import { describe, expect, it } from 'vitest';
import type { GatewayError } from '../../kernel/errors/index.js';
import type { Principal } from '../../kernel/types.js';
import type { RequestContext } from '../context.js';
import type { CompiledAgent, CompiledModel, RuntimeSnapshot } from '../snapshot.js';
import { createAttribute } from './attribute.js';
import { createAuthenticate } from './authenticate.js';
import { createResolveModel } from './resolve-model.js';
import { compiledModel, testSnapshot } from '../../../test/helpers/compiled.js';

const KEY = 'gk_scopes_test_key_0123456789abcdef';
const model = (name: string): CompiledModel => compiledModel({ name, type: 'chat', deployments: [], pricing: { free: true, version: 'test' }, limits: { maxOutputTokens: 4096, contextWindow: undefined } });
const agent = (name: string, owner: string, serving = true, models?: string[]): CompiledAgent => ({ name, owner, serving, models: models ? new Set(models) : undefined, tools: undefined });

function snapshot(principal: Principal): RuntimeSnapshot {
  return testSnapshot({
    models: new Map([
      ['small', model('small')],
      ['large', model('large')],
    ]),
    keys: new Map([[`h:${KEY}`, principal]]),
    agents: new Map([
      ['bot', agent('bot', 'team-a', true, ['small'])],
      ['other-team-bot', agent('other-team-bot', 'team-b')],
      ['paused', agent('paused', 'team-a', false)],
    ]),
  });
}

function ctx(principal: Principal, headers: Record<string, string> = {}, requestedModel = 'small'): RequestContext {
  return {
    headers: { authorization: `Bearer ${KEY}`, ...headers },
    snapshot: snapshot(principal),
    principal: undefined,
    attribution: undefined,
    requestedModel,
  } as unknown as RequestContext;
}

const base: Principal = { keyId: 'k1', keyName: 'k1', team: 'team-a' };
const clockAt = (now: number) => ({ now: () => now, monotonic: () => 0 });
const authenticate = (now = 1_000) => createAuthenticate({ hashKey: (k) => `h:${k}`, clock: clockAt(now) });
const used: [string, string | undefined][] = [];
const attribute = createAttribute({ activity: { used: (k, a) => used.push([k, a]) } });
const resolveModel = createResolveModel();

function run(c: RequestContext, now = 1_000): void {
  authenticate(now)(c);
  attribute(c);
  resolveModel(c);
}

const codeOf = (fn: () => void): string | undefined => {
  try {
    fn();
  } catch (err) {
    return (err as GatewayError).code;
  }
  return undefined;
};

describe('key expiry and grace windows', () => {
  it('accepts a key before notAfter and answers GW_KEY_EXPIRED from then on', () => {
    const p = { ...base, notAfter: 2_000 };
    expect(codeOf(() => run(ctx(p), 1_999))).toBeUndefined();
    expect(codeOf(() => run(ctx(p), 2_000))).toBe('GW_KEY_EXPIRED');
  });
});

describe('model scopes', () => {
  it('refuses a model outside the key scope with GW_MODEL_NOT_ALLOWED, and serves one inside', () => {
    const p = { ...base, models: new Set(['small']) };
    expect(codeOf(() => run(ctx(p, {}, 'small')))).toBeUndefined();
    expect(codeOf(() => run(ctx(p, {}, 'large')))).toBe('GW_MODEL_NOT_ALLOWED');
  });

  it('an unknown model is still GW_MODEL_NOT_FOUND (scopes do not hide the catalogue error)', () => {
    expect(codeOf(() => run(ctx({ ...base, models: new Set(['small']) }, {}, 'nope')))).toBe('GW_MODEL_NOT_FOUND');
  });

  it("applies a registered agent's allowed models when the header names it", () => {
    expect(codeOf(() => run(ctx(base, { 'x-gantry-agent': 'bot' }, 'large')))).toBe('GW_MODEL_NOT_ALLOWED');
  });
});

describe('agent attribution', () => {
  it("a key that belongs to an agent is attributed to it, and cannot claim another", () => {
    const c = ctx({ ...base, agent: 'bot' });
    run(c);
    expect(c.attribution?.agent).toBe('bot');
    expect(used.at(-1)).toEqual(['k1', 'bot']);
    expect(codeOf(() => run(ctx({ ...base, agent: 'bot' }, { 'x-gantry-agent': 'someone-else' })))).toBe('GW_AGENT_NOT_ALLOWED');
  });

  it('a key with an agent scope acts only for those agents', () => {
    const p = { ...base, agents: new Set(['bot']) };
    expect(codeOf(() => run(ctx(p, { 'x-gantry-agent': 'bot' })))).toBeUndefined();
    expect(codeOf(() => run(ctx(p, { 'x-gantry-agent': 'free-form' })))).toBe('GW_AGENT_NOT_ALLOWED');
  });

  it("refuses a registered agent of another team or one that is not active; unregistered names stay free-form labels", () => {
    expect(codeOf(() => run(ctx(base, { 'x-gantry-agent': 'other-team-bot' })))).toBe('GW_AGENT_NOT_ALLOWED');
    expect(codeOf(() => run(ctx(base, { 'x-gantry-agent': 'paused' })))).toBe('GW_AGENT_NOT_ALLOWED');
    const c = ctx(base, { 'x-gantry-agent': 'nightly-script' });
    run(c);
    expect(c.attribution?.agent).toBe('nightly-script');
  });
});
