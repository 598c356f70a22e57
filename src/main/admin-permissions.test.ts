import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessControlPlane, startControlPlane, TEST_ADMIN_TOKEN } from '../../test/helpers/control-plane.js';

/**
 * The permission matrix: every admin endpoint × every role. Allowed → 2xx, denied → 403
 * GW_FORBIDDEN, no token → 401. A route added without a row here fails the coverage check.
 */
type Role = 'admin-token' | 'platform-admin' | 'team-admin' | 'developer' | 'finops-viewer' | 'auditor';
const ROLES: Role[] = ['admin-token', 'platform-admin', 'team-admin', 'developer', 'finops-viewer', 'auditor'];
const USER_OF: Record<Exclude<Role, 'admin-token'>, string> = { 'platform-admin': 'pat', 'team-admin': 'alice', developer: 'dave', 'finops-viewer': 'fiona', auditor: 'audrey' };

interface Case {
  readonly route: string;
  /** Builds a fresh request (runs as the admin token first where it needs a resource to act on). */
  readonly request: (cp: InProcessControlPlane, n: number, role: Role) => Promise<{ method: string; path: string; body?: unknown; token?: string }>;
  readonly allowed: readonly Role[];
  /** A different expected status for a role (e.g. 400 where the action makes no sense for it). */
  readonly status?: Partial<Record<Role, number>>;
}

const ALL = ROLES;
const PLATFORM: Role[] = ['admin-token', 'platform-admin'];
const fixed = (method: string, path: string, body?: unknown) => async () => ({ method, path, body });

async function adminCreate(cp: InProcessControlPlane, yaml: string): Promise<void> {
  const r = await cp.call('POST', '/apply', TEST_ADMIN_TOKEN, `apiVersion: gantry/v1alpha1\n${yaml}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}

/** A pending Grant for team-a requested by alice (team admin); returns its name. */
async function requestGrant(cp: InProcessControlPlane, n: number): Promise<string> {
  const alice = await cp.call('POST', '/users/alice/tokens', TEST_ADMIN_TOKEN, { ttlHours: 1 });
  const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
  const yaml = `apiVersion: gantry/v1alpha1\nkind: Grant\nmetadata: {name: g-${n}}\nspec: {principal: {team: team-a}, action: invoke_model, resource: {model: small}, reason: incident, expiresAt: "${expiresAt}"}`;
  const r = await cp.call('POST', '/apply', alice.body.token, yaml);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return `g-${n}`;
}

const CASES: Case[] = [
  { route: 'GET /whoami', request: fixed('GET', '/whoami'), allowed: ALL },
  { route: 'POST /apply', request: fixed('POST', '/apply', { apiVersion: 'gantry/v1alpha1', kind: 'Team', metadata: { name: 'team-a' }, spec: { displayName: 'Team A!' } }), allowed: [...PLATFORM, 'team-admin'] },
  { route: 'GET /{plural}', request: fixed('GET', '/agents'), allowed: [...PLATFORM, 'team-admin', 'developer', 'finops-viewer'] },
  { route: 'GET /{plural}/{name}', request: fixed('GET', '/teams/team-b'), allowed: [...PLATFORM, 'finops-viewer'] },
  {
    route: 'DELETE /{plural}/{name}',
    request: async (cp, n) => {
      await adminCreate(cp, `kind: Agent\nmetadata: {name: tmp-${n}}\nspec: {owner: team-a}`);
      return { method: 'DELETE', path: `/agents/tmp-${n}` };
    },
    allowed: [...PLATFORM, 'team-admin'],
  },
  { route: 'POST /apikeys', request: fixed('POST', '/apikeys', { team: 'team-a' }), allowed: [...PLATFORM, 'team-admin', 'developer'] },
  {
    route: 'POST /apikeys/{name}/rotate',
    request: async (cp, n) => {
      await adminCreate(cp, `kind: ApiKey\nmetadata: {name: dave-${n}}\nspec: {team: team-a, user: dave}`);
      return { method: 'POST', path: `/apikeys/dave-${n}/rotate`, body: { gracePeriodSeconds: 60 } };
    },
    allowed: [...PLATFORM, 'team-admin', 'developer'],
  },
  {
    route: 'POST /apikeys/{name}/revoke',
    request: async (cp, n) => {
      await adminCreate(cp, `kind: ApiKey\nmetadata: {name: dave-r-${n}}\nspec: {team: team-a, user: dave}`);
      return { method: 'POST', path: `/apikeys/dave-r-${n}/revoke` };
    },
    allowed: [...PLATFORM, 'team-admin', 'developer'],
  },
  {
    route: 'POST /agents/{name}/lifecycle',
    request: async (cp, n) => {
      await adminCreate(cp, `kind: Agent\nmetadata: {name: new-${n}}\nspec: {owner: team-a}`);
      return { method: 'POST', path: `/agents/new-${n}/lifecycle`, body: { to: 'approved' } };
    },
    allowed: [...PLATFORM, 'team-admin'],
  },
  { route: 'POST /users/{name}/tokens', request: fixed('POST', '/users/zed/tokens', { ttlHours: 1 }), allowed: PLATFORM },
  {
    route: 'POST /auth/logout',
    // A fresh token per call: logging out must not revoke the token the other cases use.
    request: async (cp, _n, role) => {
      if (role === 'admin-token') return { method: 'POST', path: '/auth/logout' };
      const issued = await cp.call('POST', `/users/${USER_OF[role]}/tokens`, TEST_ADMIN_TOKEN, { ttlHours: 1 });
      return { method: 'POST', path: '/auth/logout', token: issued.body.token };
    },
    allowed: ['platform-admin', 'team-admin', 'developer', 'finops-viewer', 'auditor'],
    status: { 'admin-token': 400 },
  },
  { route: 'GET /audit', request: fixed('GET', '/audit?limit=5'), allowed: [...PLATFORM, 'auditor'] },
  { route: 'GET /audit/verify', request: fixed('GET', '/audit/verify'), allowed: [...PLATFORM, 'auditor'] },
  { route: 'GET /usage/events', request: fixed('GET', '/usage/events'), allowed: [...PLATFORM, 'finops-viewer'] },
  { route: 'GET /usage/totals', request: fixed('GET', '/usage/totals'), allowed: [...PLATFORM, 'finops-viewer'] },
  // Team members read their own teams' usage (the team filter is forced; another team is refused).
  { route: 'GET /usage', request: fixed('GET', '/usage?groupBy=team,agent'), allowed: [...PLATFORM, 'team-admin', 'developer', 'finops-viewer'] },
  { route: 'GET /usage/export', request: fixed('GET', '/usage/export?format=focus-csv'), allowed: [...PLATFORM, 'team-admin', 'developer', 'finops-viewer'] },
  // Readers of Models: team members and finops (the routing table names no team's data).
  { route: 'GET /deployments', request: fixed('GET', '/deployments'), allowed: [...PLATFORM, 'team-admin', 'developer', 'finops-viewer'] },
  // Readers of McpServers: team members and finops.
  { route: 'GET /mcpservers/status', request: fixed('GET', '/mcpservers/status'), allowed: [...PLATFORM, 'team-admin', 'developer', 'finops-viewer'] },
  // A pending grant requested by the team admin (alice): another platform admin approves; the requester, its team admin or a platform admin revokes.
  { route: 'POST /grants/{name}/approve', request: async (cp, n) => ({ method: 'POST', path: `/grants/${await requestGrant(cp, n)}/approve` }), allowed: PLATFORM },
  { route: 'POST /grants/{name}/revoke', request: async (cp, n) => ({ method: 'POST', path: `/grants/${await requestGrant(cp, n)}/revoke`, body: {} }), allowed: [...PLATFORM, 'team-admin'] },
  // Secrets are written by platform admins only (members read their metadata through GET /secrets).
  { route: 'POST /secrets', request: async (_cp, n) => ({ method: 'POST', path: '/secrets', body: { name: `matrix-${n}`, value: `value-${n}` } }), allowed: PLATFORM },
  {
    route: 'POST /secrets/{name}/rotate',
    request: async (cp, n) => {
      await adminCreate(cp, `kind: Secret\nmetadata: {name: rot-${n}}\nspec: {value: first-${n}}`);
      return { method: 'POST', path: `/secrets/rot-${n}/rotate`, body: { value: `second-${n}` } };
    },
    allowed: PLATFORM,
  },
  { route: 'POST /secrets/rewrap', request: fixed('POST', '/secrets/rewrap'), allowed: PLATFORM },
  // Agent registry: like reading agents (team members see their teams' agents, finops every team's).
  { route: 'GET /agents', request: fixed('GET', '/agents?lifecycle=active'), allowed: [...PLATFORM, 'team-admin', 'developer', 'finops-viewer'] },
  { route: 'GET /agents/inventory', request: fixed('GET', '/agents/inventory?days=7'), allowed: [...PLATFORM, 'team-admin', 'developer', 'finops-viewer'] },
  { route: 'GET /agents/export', request: fixed('GET', '/agents/export?format=a2a'), allowed: [...PLATFORM, 'team-admin', 'developer', 'finops-viewer'] },
  { route: 'GET /agents/{name}/inventory', request: fixed('GET', '/agents/bot-b/inventory'), allowed: [...PLATFORM, 'finops-viewer'] },
  { route: 'GET /agents/{name}/card', request: fixed('GET', '/agents/bot-b/card'), allowed: [...PLATFORM, 'finops-viewer'] },
  { route: 'GET /agents/{name}/backstage', request: fixed('GET', '/agents/bot-b/backstage'), allowed: [...PLATFORM, 'finops-viewer'] },
  // Like reading agents: team members (their teams), finops and platform admins (every team).
  { route: 'GET /agents/drift', request: fixed('GET', '/agents/drift?days=7'), allowed: [...PLATFORM, 'team-admin', 'developer', 'finops-viewer'] },
];

const PUBLIC_ROUTES = ['GET /openapi.json', 'GET /auth/oidc/config', 'POST /auth/oidc/token', 'GET /auth/oidc/login', 'GET /auth/oidc/callback'];

describe('admin API permission matrix', () => {
  let cp: InProcessControlPlane;
  const tokens = new Map<Role, string>();
  let n = 0;

  beforeAll(async () => {
    cp = await startControlPlane();
    await adminCreate(cp, readFileSync(new URL('../../test/fixtures/rbac.yaml', import.meta.url), 'utf8').replace(/^apiVersion: gantry\/v1alpha1\n/, ''));
    tokens.set('admin-token', TEST_ADMIN_TOKEN);
    for (const [role, user] of Object.entries(USER_OF)) {
      const r = await cp.call('POST', `/users/${user}/tokens`, TEST_ADMIN_TOKEN, { ttlHours: 1 });
      expect(r.status).toBe(201);
      tokens.set(role as Role, r.body.token);
    }
  });
  afterAll(() => cp.close());

  it('covers every route of the route table', () => {
    const routes = cp.control.routes.map((r) => `${r.method} ${r.path}`);
    const covered = [...CASES.map((c) => c.route), ...PUBLIC_ROUTES];
    expect(routes.filter((r) => !covered.includes(r))).toEqual([]);
    expect(cp.control.routes.filter((r) => r.auth === 'public').map((r) => `${r.method} ${r.path}`).sort()).toEqual([...PUBLIC_ROUTES].sort());
  });

  for (const c of CASES) {
    describe(c.route, () => {
      it('answers 401 GW_ADMIN_AUTH_REQUIRED without a token, and with a made-up one', async () => {
        const req = await c.request(cp, ++n, 'admin-token');
        const none = await cp.call(req.method, req.path, undefined, req.body);
        expect(none.status).toBe(401);
        expect(none.body.error.code).toBe('GW_ADMIN_AUTH_REQUIRED');
        const bogus = await cp.call(req.method, req.path, 'gut_not_a_real_token', req.body);
        expect(bogus.status).toBe(401);
      });
      for (const role of ROLES) {
        const allowed = c.allowed.includes(role);
        const special = c.status?.[role];
        it(`${role}: ${special ? `answers ${special}` : allowed ? 'allowed (2xx)' : 'denied (403 GW_FORBIDDEN)'}`, async () => {
          const req = await c.request(cp, ++n, role);
          const r = await cp.call(req.method, req.path, req.token ?? tokens.get(role), req.body);
          if (special) expect(r.status, JSON.stringify(r.body)).toBe(special);
          else if (allowed) expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
          else {
            expect(r.status, JSON.stringify(r.body)).toBe(403);
            expect(r.body.error.code).toBe('GW_FORBIDDEN');
          }
        });
      }
    });
  }

  it('serves the OpenAPI document without a token, listing every route', async () => {
    const r = await cp.call('GET', '/openapi.json', undefined);
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    for (const route of cp.control.routes) expect(r.body.paths[`/admin/v1${route.path}`]?.[route.method.toLowerCase()]).toBeDefined();
    expect(r.body.components.schemas.Agent.properties.spec.required).toContain('owner');
  });

  it('documents the query parameters the routes read', async () => {
    const r = await cp.call('GET', '/openapi.json', undefined);
    const query = (path: string) =>
      ((r.body.paths[`/admin/v1${path}`].get.parameters ?? []) as { name: string; in: string; schema: { type: string } }[]).filter((p) => p.in === 'query').map((p) => `${p.name}:${p.schema.type}`);
    expect(query('/agents')).toEqual(expect.arrayContaining(['team:string', 'lifecycle:string', 'model:string', 'tool:string', 'limit:integer']));
    expect(query('/agents/inventory')).toEqual(expect.arrayContaining(['days:integer', 'team:string', 'agent:string']));
    expect(query('/agents/drift')).toEqual(expect.arrayContaining(['days:integer', 'agent:string']));
    expect(query('/usage')).toEqual(expect.arrayContaining(['from:string', 'to:string', 'groupBy:string', 'agent:string', 'limit:integer']));
    expect(query('/audit')).toEqual(['after:integer', 'limit:integer']);
  });
});
