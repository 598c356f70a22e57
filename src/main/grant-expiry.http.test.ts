import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TEAM_AND_SIMULATOR_YAML, startInProcessGateway } from '../../test/helpers/in-process-gateway.js';
import type { RunningGateway } from './gateway.js';

// Grants end to end on the real gateway (docs/grants.md): a policy forbids a restricted model; a team
// admin requests a grant, a platform admin approves it, the next request is served with the grant as
// evidence; a revoke ends it at once. No restart anywhere.
const KEY = 'gk_grants_http_test_000000000000000000';
const ADMIN = 'gat_grants_http_admin_token_0123456';
const CONFIG = `${DEFAULT_TEAM_AND_SIMULATOR_YAML}---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: sim-large, labels: {tier: restricted}}
spec: {provider: simulator, pricing: {inputPer1M: "2.50", outputPer1M: "10.00"}}
---
apiVersion: gantry/v1alpha1
kind: Policy
metadata: {name: restricted-models}
spec:
  policy: |
    forbid(principal, action == Gantry::Action::"invoke_model", resource)
    when { resource.hasTag("tier") && resource.getTag("tier") == "restricted" };
---
apiVersion: gantry/v1alpha1
kind: User
metadata: {name: alice}
spec: {email: alice@example.com, teams: [{team: default, role: team-admin}]}
`;

let gateway: RunningGateway;
const tokens: Record<string, string> = {};

// biome-ignore lint/suspicious/noExplicitAny: tests read response fields directly and assert them
async function admin(method: string, path: string, token = ADMIN, body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = typeof body === 'string' ? 'application/yaml' : 'application/json';
  const r = await fetch(`${gateway.url}/admin/v1${path}`, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: r.status, body: await r.json() };
}

const chat = () =>
  fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'sim-large', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }),
  });

describe('grants over HTTP (real gateway)', () => {
  beforeAll(async () => {
    ({ gateway } = await startInProcessGateway({ config: CONFIG, key: KEY, adminToken: ADMIN }));
    tokens.alice = (await admin('POST', '/users/alice/tokens', ADMIN, { ttlHours: 1 })).body.token;
  });
  afterAll(async () => {
    await gateway?.close().catch(() => {});
  });

  it('request → approve → served with grant evidence → revoke → refused again', async () => {
    const denied = await chat();
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { error: { code: string } }).error.code).toBe('GW_POLICY_DENIED');

    const expiresAt = new Date(Date.now() + 2 * 3_600_000).toISOString();
    const grant = `apiVersion: gantry/v1alpha1
kind: Grant
metadata: {name: inc-4211}
spec: {principal: {team: default}, action: invoke_model, resource: {model: sim-large}, reason: "INC-4211: triage needs the large model", expiresAt: "${expiresAt}"}
`;
    expect((await admin('POST', '/apply', tokens.alice, grant)).status).toBe(200);
    // Pending: still refused.
    expect((await chat()).status).toBe(403);
    expect((await admin('POST', '/grants/inc-4211/approve', ADMIN)).status).toBe(200);

    const served = await chat();
    expect(served.status).toBe(200);
    const requestId = served.headers.get('x-gantry-request-id');
    const events = (await admin('GET', `/usage/events?requestId=${requestId}`)).body.data as { policy?: string }[];
    expect(events.map((e) => e.policy)).toEqual(['grant:inc-4211']);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/gantry_policy_decisions_total\{outcome="granted",policy="restricted-models"\} 1\b/);

    expect((await admin('POST', '/grants/inc-4211/revoke', tokens.alice, { reason: 'incident closed' })).status).toBe(200);
    expect((await chat()).status).toBe(403);

    const audit = (await admin('GET', '/audit?limit=1000')).body.items as { action: string; name?: string; actor: string; outcome: string }[];
    const grantEntries = audit.filter((e) => e.name === 'inc-4211').map((e) => [e.action, e.actor, e.outcome]);
    expect(grantEntries).toEqual([
      ['apply', 'user:alice', 'created'],
      ['grants.approve', 'admin-token', 'updated'],
      ['grants.revoke', 'user:alice', 'updated'],
    ]);
  });
});
