import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessControlPlane, startControlPlane, TEST_ADMIN_TOKEN as ADMIN } from '../../test/helpers/control-plane.js';
import { type DataPlaneServer, startDataPlaneServer } from '../../test/helpers/data-plane-server.js';
import { NO_LIMITS } from '../../test/helpers/no-limits.js';
import { NO_CACHE } from '../data-plane/cache/response-cache.js';
import type { UpstreamCaller } from '../data-plane/routing/upstream-caller.js';
import { createChatCompletionsRoute } from '../data-plane/routes/chat-completions.js';
import { providerContext } from '../data-plane/routes/route.js';
import { createAuthorize } from '../data-plane/stages/authorize.js';
import { createKeyHasher } from '../kernel/api-keys.js';
import { systemClock } from '../kernel/clock.js';
import { silentLogger } from '../kernel/logger.js';
import type { UsageEvent } from '../kernel/types.js';
import type { AuditDraft } from '../storage/ports/resource-store.js';
import { telemetryChannels } from '../telemetry/channels.js';
import { createPolicyMetrics } from '../telemetry/prometheus/policy-metrics.js';
import { subscribePolicyAudit } from './policy-audit.js';

// Policies end to end: applied through the admin API, compiled into the snapshot, decided by the
// data plane over real HTTP; switching enforce ↔ dry-run at run time; evidence, metric and audit.
const H = 'apiVersion: gantry/v1alpha1\n';
const BASE = [
  'kind: Team\nmetadata: {name: restricted}\nspec: {}',
  'kind: Provider\nmetadata: {name: sim}\nspec: {type: simulator}',
  'kind: Model\nmetadata: {name: sim-small}\nspec: {provider: sim, upstreamModel: sim-small, pricing: {inputPer1M: "0.15", outputPer1M: "0.60"}}',
  'kind: Model\nmetadata: {name: sim-large}\nspec: {provider: sim, upstreamModel: sim-large, pricing: {inputPer1M: "2.50", outputPer1M: "10.00"}}',
]
  .map((d) => H + d)
  .join('\n---\n');
const policy = (mode: string) =>
  `${H}kind: Policy\nmetadata: {name: no-large}\nspec:\n  mode: ${mode}\n  policy: |\n    forbid(principal in Gantry::Team::"restricted", action == Gantry::Action::"invoke_model", resource)\n      when { resource.name == "sim-large" };\n`;

const KEY = 'gk_policy_test_000000000000000000000000';
const hashKey = createKeyHasher('policy-test');
const caller: UpstreamCaller = {
  chat: async (ctx, req) => {
    const d = ctx.model?.deployments[0];
    if (!d) throw new Error('no deployment');
    ctx.deployment = d;
    ctx.attempts++;
    return d.provider.chat(req, providerContext(ctx));
  },
  chatStream: async () => {
    throw new Error('not used');
  },
  embeddings: async () => {
    throw new Error('not used');
  },
};

let cp: InProcessControlPlane;
let gateway: DataPlaneServer | undefined;
let url = '';
let events: UsageEvent[] = [];
const audit: AuditDraft[] = [];
const registry = new Registry();
let stop: (() => void)[] = [];

beforeAll(async () => {
  cp = await startControlPlane();
  const r = await cp.call('POST', '/apply', ADMIN, BASE);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  const metrics = createPolicyMetrics(registry);
  const unsubscribe = subscribePolicyAudit((d) => audit.push(d), silentLogger, () => Date.now());
  stop = [() => metrics.close(), unsubscribe];
  const principal = { keyId: 'key_r', keyName: 'ci-key', team: 'restricted' };
  gateway = await startDataPlaneServer({
    // The control plane's live snapshot (it changes on apply) with this test's key.
    snapshot: () => {
      const s = cp.control.snapshots.current();
      return s && { ...s, keys: new Map([[hashKey(KEY), principal]]) };
    },
    hashKey,
    routes: (meter) => ({
      'POST /v1/chat/completions': createChatCompletionsRoute({ meter, limits: NO_LIMITS, clock: systemClock, maxBodyBytes: 100_000, caller, cache: NO_CACHE, authorize: createAuthorize({ channels: telemetryChannels(), spend: { monthToDateMicros: () => 0 } }) }),
    }),
  });
  ({ url, events } = gateway);
});
afterAll(async () => {
  for (const s of stop) s();
  gateway?.close();
  await cp?.close();
});

async function chat(model: string): Promise<{ status: number; body: { error?: { code: string; message: string } } }> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }),
  });
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
}

async function apply(text: string): Promise<void> {
  const r = await cp.call('POST', '/apply', ADMIN, text);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}

/** Waits for the snapshot to carry a policy engine (sync polls every 50 ms in tests); no timing asserted. */
async function untilPolicies(present: boolean): Promise<void> {
  for (let i = 0; i < 200 && (cp.control.snapshots.current()?.policies !== undefined) !== present; i++) await new Promise((r) => setTimeout(r, 10));
}

const lastEvent = () => events[events.length - 1];

describe('Policy resources on the data plane', () => {
  it('without any Policy there is no decision: every model is served', async () => {
    expect(cp.control.snapshots.current()?.policies).toBeUndefined();
    expect((await chat('sim-large')).status).toBe(200);
    expect(lastEvent()?.policy).toBeUndefined();
  });

  it('enforce: 403 GW_POLICY_DENIED naming the id (not the text), usage event deny:<id>, audit entry, metric', async () => {
    await apply(policy('enforce'));
    await untilPolicies(true);
    const denied = await chat('sim-large');
    expect(denied.status).toBe(403);
    expect(denied.body.error?.code).toBe('GW_POLICY_DENIED');
    expect(denied.body.error?.message).toContain('Policy "no-large" denies invoke_model on Model "sim-large"');
    expect(denied.body.error?.message).not.toContain('forbid');
    expect(lastEvent()).toMatchObject({ policy: 'deny:no-large', errorCode: 'GW_POLICY_DENIED', status: 403, model: 'sim-large' });
    expect(audit.at(-1)).toMatchObject({ action: 'policy.deny', actor: 'ApiKey:ci-key', kind: 'Model', name: 'sim-large', team: 'restricted', outcome: 'denied', after: { policies: ['no-large'] } });
    expect((await chat('sim-small')).status).toBe(200);
    expect(lastEvent()?.policy).toBeUndefined();
    expect(await registry.metrics()).toMatch(/gantry_policy_decisions_total\{outcome="deny",policy="no-large"\} 1/);
  });

  it('switching to dry-run through apply serves the request and records would_deny', async () => {
    const audited = audit.length;
    await apply(policy('dry-run'));
    for (let i = 0; i < 200 && (await chat('sim-large')).status !== 200; i++) await new Promise((r) => setTimeout(r, 10));
    const served = await chat('sim-large');
    expect(served.status).toBe(200);
    expect(lastEvent()).toMatchObject({ policy: 'would_deny:no-large', status: 200 });
    expect(audit.length).toBe(audited);
    expect(await registry.metrics()).toMatch(/gantry_policy_decisions_total\{outcome="would_deny",policy="no-large"\} [1-9]/);
  });

  it('apply refuses Cedar errors with line:column and the hint, and a duplicate policy id', async () => {
    const bad = await cp.call('POST', '/apply', ADMIN, `${H}kind: Policy\nmetadata: {name: typo}\nspec:\n  policy: |\n    forbid(principal, action, resource)\n      when { resource.nmae == "x" };\n`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toMatchObject([{ path: 'spec.policy', message: expect.stringMatching(/^line 2:\d+: .*nmae.*hint: did you mean `name`\?/) }]);
    const syntax = await cp.call('POST', '/apply', ADMIN, `${H}kind: Policy\nmetadata: {name: broken}\nspec:\n  policy: "forbid(principal, action, resource) when { context.hour > };"\n`);
    expect(syntax.body.error.details[0].message).toMatch(/^line 1:\d+: .*unexpected token/);
    const dup = await cp.call('POST', '/apply', ADMIN, `${H}kind: Policy\nmetadata: {name: other}\nspec:\n  policy: '@id("no-large") forbid(principal, action == Gantry::Action::"invoke_model", resource) when { context.hour > 25 };'\n`);
    expect(dup.status).toBe(400);
    expect(dup.body.error.details[0].message).toContain('already used by Policy "no-large"');
  });
});
