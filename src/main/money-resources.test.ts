import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessControlPlane, startControlPlane, TEST_ADMIN_TOKEN as ADMIN } from '../../test/helpers/control-plane.js';

/** Budgets, rate limits, price books and GPU pools through the admin API: references, RBAC, snapshot. */
const H = 'apiVersion: gantry/v1alpha1\n';
const BASE = [
  'kind: Team\nmetadata: {name: team-a}\nspec: {}',
  'kind: Team\nmetadata: {name: team-b}\nspec: {}',
  'kind: User\nmetadata: {name: alice}\nspec: {teams: [{team: team-a, role: team-admin}]}',
  'kind: User\nmetadata: {name: dave}\nspec: {teams: [{team: team-a, role: developer}]}',
  'kind: User\nmetadata: {name: fiona}\nspec: {roles: [finops-viewer]}',
  'kind: User\nmetadata: {name: audrey}\nspec: {roles: [auditor]}',
  'kind: Provider\nmetadata: {name: vllm}\nspec: {type: openai-compatible, baseUrl: "http://127.0.0.1:9/v1"}',
  'kind: GpuPool\nmetadata: {name: h100-a}\nspec: {gpuType: H100, gpus: 1, costPerGpuHourUsd: "2.50", tokensPerSecond: 2500, targetUtilization: 0.6}',
  'kind: Model\nmetadata: {name: llama}\nspec: {provider: vllm, gpuPool: h100-a}',
  'kind: Budget\nmetadata: {name: team-a-monthly}\nspec: {scope: {team: team-a}, window: monthly, limitUsd: "50.00", enforcement: hard, alerts: [50, 80, 100]}',
  'kind: Budget\nmetadata: {name: team-b-daily}\nspec: {scope: {team: team-b}, window: daily, limitUsd: "5"}',
  'kind: RateLimit\nmetadata: {name: team-b-rpm}\nspec: {scope: {team: team-b}, requestsPerMinute: 5}',
]
  .map((d) => H + d)
  .join('\n---\n');

let cp: InProcessControlPlane;
const tokens: Record<string, string> = {};
beforeAll(async () => {
  cp = await startControlPlane();
  const r = await cp.call('POST', '/apply', ADMIN, BASE);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  for (const user of ['alice', 'dave', 'fiona', 'audrey']) tokens[user] = (await cp.call('POST', `/users/${user}/tokens`, ADMIN, { ttlHours: 1 })).body.token;
});
afterAll(() => cp.close());

describe('money resources through the admin API', () => {
  it('compiles budgets, rate limits and GPU-pool pricing into the live snapshot', () => {
    const snap = cp.control.snapshots.current();
    expect(snap?.budgets.map((b) => [b.name, b.limitMicros, b.hard])).toEqual([
      ['team-a-monthly', 50_000_000, true],
      ['team-b-daily', 5_000_000, true],
    ]);
    expect(snap?.rateLimits).toMatchObject([{ name: 'team-b-rpm', scope: { team: 'team-b' }, requestsPerMinute: 5 }]);
    expect(snap?.models.get('llama')?.pricing).toMatchObject({ version: 'gpupool:h100-a@1', prices: { inputPer1M: 462_963, outputPer1M: 462_963 } });
  });

  it('refuses references to resources that do not exist, naming the field', async () => {
    const r = await cp.call('POST', '/apply', ADMIN, `${H}kind: Budget\nmetadata: {name: ghost}\nspec: {scope: {team: nope, agent: bot, apiKey: k, user: u, model: m}, window: daily, limitUsd: "1"}\n---\n${H}kind: Model\nmetadata: {name: m2}\nspec: {provider: vllm, gpuPool: missing}\n`);
    expect(r.status).toBe(400);
    expect(r.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'spec.gpuPool',
      'spec.scope.agent',
      'spec.scope.apiKey',
      'spec.scope.model',
      'spec.scope.team',
      'spec.scope.user',
    ]);
  });

  it('refuses to delete a GpuPool a model uses, or a Team a budget is scoped to', async () => {
    const pool = await cp.call('DELETE', '/gpupools/h100-a', ADMIN);
    expect(pool.status).toBe(409);
    expect(pool.body.error.message).toContain('Model "llama"');
    const team = await cp.call('DELETE', '/teams/team-b', ADMIN);
    expect(team.status).toBe(409);
    expect(team.body.error.message).toContain('Budget "team-b-daily"');
  });

  it('refuses a team admin raising their own budget (403, nothing changed)', async () => {
    const raise = `${H}kind: Budget\nmetadata: {name: team-a-monthly}\nspec: {scope: {team: team-a}, window: monthly, limitUsd: "5000.00"}\n`;
    const r = await cp.call('POST', '/apply', tokens.alice, raise);
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('GW_FORBIDDEN');
    expect(cp.control.snapshots.current()?.budgets.find((b) => b.name === 'team-a-monthly')?.limitMicros).toBe(50_000_000);
    expect((await cp.call('DELETE', '/budgets/team-a-monthly', tokens.alice)).status).toBe(403);
    expect((await cp.call('POST', '/apply', tokens.alice, `${H}kind: PriceBook\nmetadata: {name: cheap}\nspec: {prices: [{model: llama, inputPer1M: "0"}]}\n`)).status).toBe(403);
  });

  it('lets finops read every budget, team members only their team\'s, and the auditor none', async () => {
    const names = (r: { body: { items: { metadata: { name: string } }[] } }) => r.body.items.map((i) => i.metadata.name);
    const fin = await cp.call('GET', '/budgets', tokens.fiona);
    expect(fin.status).toBe(200);
    expect(names(fin)).toEqual(['team-a-monthly', 'team-b-daily']);
    expect((await cp.call('GET', '/ratelimits/team-b-rpm', tokens.fiona)).status).toBe(200);
    const dev = await cp.call('GET', '/budgets', tokens.dave);
    expect(names(dev)).toEqual(['team-a-monthly']);
    expect((await cp.call('GET', '/budgets/team-b-daily', tokens.dave)).status).toBe(403);
    expect((await cp.call('GET', '/budgets', tokens.audrey)).status).toBe(403);
    expect((await cp.call('GET', '/gpupools/h100-a', tokens.dave)).status).toBe(200);
    expect((await cp.call('GET', '/pricebooks', tokens.fiona)).status).toBe(200);
  });
});
