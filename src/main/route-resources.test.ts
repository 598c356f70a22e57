import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessControlPlane, startControlPlane, TEST_ADMIN_TOKEN as ADMIN } from '../../test/helpers/control-plane.js';

/** The Route kind through the admin API: validation (CEL), references, name clashes, RBAC, snapshot. */
const H = 'apiVersion: gantry/v1alpha1\n';
const doc = (text: string) => H + text;
const BASE = [
  'kind: Team\nmetadata: {name: team-a}\nspec: {}',
  'kind: User\nmetadata: {name: alice}\nspec: {teams: [{team: team-a, role: team-admin}]}',
  'kind: User\nmetadata: {name: dave}\nspec: {teams: [{team: team-a, role: developer}]}',
  'kind: User\nmetadata: {name: fiona}\nspec: {roles: [finops-viewer]}',
  'kind: Provider\nmetadata: {name: sim}\nspec: {type: simulator}',
  'kind: Model\nmetadata: {name: small}\nspec: {provider: sim, upstreamModel: sim-small, pricing: {inputPer1M: "0.15", outputPer1M: "0.60"}}',
  'kind: Model\nmetadata: {name: large}\nspec: {provider: sim, upstreamModel: sim-large, pricing: {inputPer1M: "2.50", outputPer1M: "10.00"}}',
  'kind: Model\nmetadata: {name: embed}\nspec: {type: embedding, provider: sim, upstreamModel: sim-embed, pricing: {inputPer1M: "0.02"}}',
  'kind: Route\nmetadata: {name: auto}\nspec: {rules: [{name: long, when: "promptTokens > 4000", model: large}], complexity: {simple: small, complex: large}}',
  'kind: ApiKey\nmetadata: {name: routed-key}\nspec: {team: team-a, models: [auto]}',
]
  .map(doc)
  .join('\n---\n');

let cp: InProcessControlPlane;
const tokens: Record<string, string> = {};
beforeAll(async () => {
  cp = await startControlPlane();
  const r = await cp.call('POST', '/apply', ADMIN, BASE);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  for (const user of ['alice', 'dave', 'fiona']) tokens[user] = (await cp.call('POST', `/users/${user}/tokens`, ADMIN, { ttlHours: 1 })).body.token;
});
afterAll(() => cp.close());

const details = (r: { body: { error: { details: { path: string; message: string }[] } } }) => r.body.error.details;

describe('Route resources through the admin API', () => {
  it('compiles the route into the snapshot and lists it as a model; a key may be scoped to it', () => {
    const snap = cp.control.snapshots.current();
    const route = snap?.routes.get('auto');
    expect(route?.targets).toEqual(['large', 'small']);
    expect(route?.baseline).toBe('large');
    expect(JSON.parse(snap?.modelListBody ?? '{}').data.map((m: { id: string }) => m.id)).toEqual(['auto', 'embed', 'large', 'small']);
    expect([...(snap?.keys.entries() ?? [])].find(([, p]) => p.keyName === 'routed-key')?.[1].models).toEqual(new Set(['auto']));
  });

  it('gives the CEL error with the rule path and lists the variables', async () => {
    const r = await cp.call(
      'POST',
      '/apply',
      ADMIN,
      doc(
        'kind: Route\nmetadata: {name: r2}\nspec:\n  default: small\n  rules:\n    - {name: a, when: "tools", model: large}\n    - {name: b, when: "promptTokens > 10", model: large}\n    - {name: c, when: "promtTokens > 10", model: large}\n    - {name: d, when: "promptTokens >", model: large}\n    - {name: e, when: "promptTokens + 1", model: large}\n    - {name: f, when: "task == 3", model: large}\n',
      ),
    );
    expect(r.status).toBe(400);
    const d = details(r);
    expect(d.map((x) => x.path)).toEqual(['spec.rules[2].when', 'spec.rules[3].when', 'spec.rules[4].when', 'spec.rules[5].when']);
    expect(d[0]?.message).toContain('Unknown variable: promtTokens');
    expect(d[0]?.message).toContain('promptTokens (int)');
    expect(d[0]?.message).toContain('lastUser (string)');
    expect(d[1]?.message).toMatch(/Unexpected token/);
    expect(d[2]?.message).toContain('must be true or false, not int');
    expect(d[3]?.message).toContain('no such overload');
  });

  it('refuses a route that decides nothing, a split of zero weights, and repeated rule names', async () => {
    const none = await cp.call('POST', '/apply', ADMIN, doc('kind: Route\nmetadata: {name: r3}\nspec: {rules: [{name: a, when: tools, model: large}]}\n'));
    expect(details(none)).toMatchObject([{ path: 'spec', message: expect.stringContaining('spec.default, spec.complexity or spec.split') }]);
    const zero = await cp.call('POST', '/apply', ADMIN, doc('kind: Route\nmetadata: {name: r3}\nspec: {split: [{model: small, weight: 0}, {model: large, weight: 0}]}\n'));
    expect(details(zero)).toMatchObject([{ path: 'spec.split', message: expect.stringContaining('add up to 0') }]);
    const twice = await cp.call('POST', '/apply', ADMIN, doc('kind: Route\nmetadata: {name: r3}\nspec: {default: small, rules: [{name: a, when: tools, model: large}, {name: a, when: code, model: large}]}\n'));
    expect(details(twice)).toMatchObject([{ path: 'spec.rules[1].name' }]);
  });

  it('refuses missing and embedding targets, and a Route and a Model sharing a name (both ways)', async () => {
    const missing = await cp.call('POST', '/apply', ADMIN, doc('kind: Route\nmetadata: {name: r4}\nspec: {split: [{model: small, weight: 1}, {model: nope, weight: 1}], baseline: gone}\n'));
    expect(details(missing).map((x) => x.path).sort()).toEqual(['spec.baseline', 'spec.split[1].model']);
    const embed = await cp.call('POST', '/apply', ADMIN, doc('kind: Route\nmetadata: {name: r4}\nspec: {default: embed}\n'));
    expect(details(embed)).toMatchObject([{ path: 'spec.default', message: expect.stringContaining('embedding model') }]);
    const routeAsModel = await cp.call('POST', '/apply', ADMIN, doc('kind: Route\nmetadata: {name: small}\nspec: {default: large}\n'));
    expect(details(routeAsModel)).toMatchObject([{ path: 'metadata.name', message: expect.stringContaining('Model "small" has this name') }]);
    const modelAsRoute = await cp.call('POST', '/apply', ADMIN, doc('kind: Model\nmetadata: {name: auto}\nspec: {provider: sim, pricing: {free: true}}\n'));
    expect(details(modelAsRoute)).toMatchObject([{ path: 'metadata.name', message: expect.stringContaining('Route "auto" has this name') }]);
    const badKey = await cp.call('POST', '/apply', ADMIN, doc('kind: ApiKey\nmetadata: {name: k2}\nspec: {team: team-a, models: [nothing]}\n'));
    expect(details(badKey)).toMatchObject([{ path: 'spec.models[0]', message: expect.stringContaining('Model or Route "nothing" does not exist') }]);
  });

  it('refuses deleting a Model a Route picks, or a Route a key is scoped to', async () => {
    const model = await cp.call('DELETE', '/models/small', ADMIN);
    expect(model.status).toBe(409);
    expect(model.body.error.message).toContain('Route "auto"');
    const route = await cp.call('DELETE', '/routes/auto', ADMIN);
    expect(route.status).toBe(409);
    expect(route.body.error.message).toContain('ApiKey "routed-key"');
  });

  it('only a platform admin writes routes; every member and finops read them', async () => {
    const write = await cp.call('POST', '/apply', tokens.alice, doc('kind: Route\nmetadata: {name: mine}\nspec: {default: small}\n'));
    expect(write.status).toBe(403);
    for (const user of ['dave', 'fiona', 'alice']) {
      const list = await cp.call('GET', '/routes', tokens[user]);
      expect(list.status, user).toBe(200);
      expect(list.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['auto']);
    }
    expect((await cp.call('DELETE', '/routes/auto', tokens.alice)).status).toBe(403);
  });

  it('changes a route at run time: the next snapshot decides with the new spec', async () => {
    const r = await cp.call('POST', '/apply', ADMIN, doc('kind: Route\nmetadata: {name: auto}\nspec: {split: [{model: small, weight: 1}]}\n'));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const features = { promptTokens: 9000, turns: 1, messages: 1, tools: false, toolCount: 0, code: false, jsonMode: false, images: false, maxTokens: 0, task: '', agent: '', team: '', lastUser: '', score: 1 };
    await expect.poll(() => cp.control.snapshots.current()?.routes.get('auto')?.decide(features, 'run:1')).toEqual({ model: 'small', reason: 'split:small' });
    expect(cp.control.snapshots.current()?.routes.get('auto')?.baseline).toBe('small');
  });
});
