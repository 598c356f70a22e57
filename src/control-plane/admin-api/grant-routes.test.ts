import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessControlPlane, startControlPlane, TEST_ADMIN_TOKEN } from '../../../test/helpers/control-plane.js';
import { grantDoc, SIM_BIG_MODEL_YAML } from '../../../test/helpers/grant-fixtures.js';

const HOUR = 3_600_000;

const fixture = `apiVersion: gantry/v1alpha1
kind: Team
metadata: {name: research}
spec: {}
---
apiVersion: gantry/v1alpha1
kind: Team
metadata: {name: sales}
spec: {}
---
${SIM_BIG_MODEL_YAML}${[
  ['pat', '{roles: [platform-admin]}'],
  ['paula', '{roles: [platform-admin]}'],
  ['alice', '{teams: [{team: research, role: team-admin}]}'],
  ['dave', '{teams: [{team: research, role: developer}]}'],
  ['sam', '{teams: [{team: sales, role: developer}]}'],
  ['audrey', '{roles: [auditor]}'],
]
  .map(([name, spec]) => `---\napiVersion: gantry/v1alpha1\nkind: User\nmetadata: {name: ${name}}\nspec: ${String(spec).replace('{', `{email: ${name}@example.com, `)}\n`)
  .join('')}`;

describe('Grant lifecycle through the admin API', () => {
  let cp: InProcessControlPlane;
  const token = new Map<string, string>();

  beforeAll(async () => {
    cp = await startControlPlane();
    const r = await cp.call('POST', '/apply', TEST_ADMIN_TOKEN, fixture);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    for (const user of ['pat', 'paula', 'alice', 'dave', 'sam', 'audrey']) {
      const t = await cp.call('POST', `/users/${user}/tokens`, TEST_ADMIN_TOKEN, { ttlHours: 1 });
      token.set(user, t.body.token);
    }
  });
  afterAll(() => cp.close());

  const as = (user: string) => token.get(user) ?? TEST_ADMIN_TOKEN;
  const apply = (user: string, yaml: string) => cp.call('POST', '/apply', as(user), yaml);
  const state = async (name: string) => (await cp.call('GET', `/grants/${name}`, TEST_ADMIN_TOKEN)).body.status;
  const compiled = () => cp.control.snapshots.current()?.grants.map((g) => g.name) ?? [];
  const audit = async (action: string, name: string) => (await cp.store.listAudit(0, 10_000)).filter((e) => e.action === action && e.name === name);

  it('a team admin requests (pending); the requester cannot approve, another platform admin can, and it is compiled at once', async () => {
    expect((await apply('alice', grantDoc('incident-42'))).status).toBe(200);
    expect(await state('incident-42')).toEqual({ state: 'pending', requestedBy: 'user:alice', requestedAt: expect.any(String) });
    expect(compiled()).not.toContain('incident-42');

    const self = await cp.call('POST', '/grants/incident-42/approve', as('alice'));
    expect(self.status).toBe(403);
    expect(self.body.error.code).toBe('GW_FORBIDDEN');
    expect(self.body.error.message).toContain('its requester cannot approve it');
    expect((await cp.call('POST', '/grants/incident-42/approve', as('dave'))).status).toBe(403);
    expect(await audit('grants.approve', 'incident-42')).toEqual([expect.objectContaining({ outcome: 'denied', actor: 'user:alice' }), expect.objectContaining({ outcome: 'denied', actor: 'user:dave' })]);

    const ok = await cp.call('POST', '/grants/incident-42/approve', as('pat'));
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.status).toMatchObject({ state: 'approved', requestedBy: 'user:alice', approvedBy: 'user:pat' });
    expect(compiled()).toContain('incident-42');
    expect(await audit('grants.approve', 'incident-42')).toHaveLength(3);
    expect((await cp.call('POST', '/grants/incident-42/approve', as('paula'))).body.error.code).toBe('GW_LIFECYCLE_INVALID');
  });

  it('a platform admin (or the admin token) with no approver, or naming themselves, approves at creation', async () => {
    expect((await apply('pat', grantDoc('pat-self'))).status).toBe(200);
    expect(await state('pat-self')).toMatchObject({ state: 'approved', requestedBy: 'user:pat', approvedBy: 'user:pat' });
    expect((await apply('pat', grantDoc('pat-named-self', { approver: 'pat' }))).status).toBe(200);
    expect((await state('pat-named-self')).state).toBe('approved');
    expect((await apply('admin-token', grantDoc('token-made'))).status).toBe(200);
    expect(await state('token-made')).toMatchObject({ state: 'approved', approvedBy: 'admin-token' });
  });

  it('a named approver approves; a platform admin who requested it cannot', async () => {
    expect((await apply('pat', grantDoc('needs-sam', { approver: 'sam' }))).status).toBe(200);
    expect((await state('needs-sam')).state).toBe('pending');
    expect((await cp.call('POST', '/grants/needs-sam/approve', as('pat'))).status).toBe(403);
    const bySam = await cp.call('POST', '/grants/needs-sam/approve', as('sam'));
    expect(bySam.status, JSON.stringify(bySam.body)).toBe(200);
    expect(bySam.body.status).toMatchObject({ state: 'approved', approvedBy: 'user:sam' });
  });

  it('only a platform admin names an approver: a team admin cannot pick a colleague to approve their request', async () => {
    const r = await apply('alice', grantDoc('by-proxy', { approver: 'dave' }));
    expect(r.status).toBe(400);
    expect(r.body.error.details.map((d: { path: string }) => d.path)).toEqual(['spec.approver']);
    expect((await cp.call('GET', '/grants/by-proxy', TEST_ADMIN_TOKEN)).status).toBe(404);
    // Nor by editing a pending grant afterwards; a platform admin's delegation stays and still works.
    expect((await apply('alice', grantDoc('proxy-later'))).status).toBe(200);
    expect((await apply('alice', grantDoc('proxy-later', { approver: 'dave' }))).status).toBe(400);
    expect((await apply('pat', grantDoc('delegated', { approver: 'dave' }))).status).toBe(200);
    const edited = await apply('alice', grantDoc('delegated', { approver: 'dave', expiresAt: Date.now() + 3 * HOUR }));
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect((await cp.call('POST', '/grants/proxy-later/approve', as('dave'))).status).toBe(403);
    expect((await cp.call('POST', '/grants/delegated/approve', as('dave'))).status).toBe(200);
  });

  it("refuses a grant for the team that narrows to another team's agent, user or key", async () => {
    const agent = 'apiVersion: gantry/v1alpha1\nkind: Agent\nmetadata: {name: sales-bot}\nspec: {owner: sales, sponsor: sam, lifecycle: active}\n';
    expect((await cp.call('POST', '/apply', TEST_ADMIN_TOKEN, agent)).status).toBe(200);
    const narrowed = (principal: string) => grantDoc('cross-team').replace('principal: {team: research}', `principal: {team: research, ${principal}}`);
    for (const [principal, path] of [
      ['agent: sales-bot', 'spec.principal.agent'],
      ['user: sam', 'spec.principal.user'],
    ]) {
      const r = await apply('alice', narrowed(principal as string));
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.error.details.map((d: { path: string }) => d.path)).toEqual([path]);
    }
    expect((await apply('alice', narrowed('user: dave'))).status).toBe(200);
  });

  it('refuses naming yourself as approver, an expiry in the past or beyond 30 days, and a resource that does not fit the action', async () => {
    const problems = async (user: string, yaml: string) => {
      const r = await apply(user, yaml);
      expect(r.status).toBe(400);
      return r.body.error.details.map((d: { path: string }) => d.path);
    };
    expect(await problems('alice', grantDoc('self-named', { approver: 'alice' }))).toEqual(['spec.approver']);
    expect(await problems('pat', grantDoc('past', { expiresAt: Date.now() - HOUR }))).toEqual(['spec.expiresAt']);
    expect(await problems('pat', grantDoc('too-long', { expiresAt: Date.now() + 31 * 24 * HOUR }))).toEqual(['spec.expiresAt']);
    expect(await problems('pat', grantDoc('wrong-shape', { action: 'read_secret' }))).toEqual(['spec.resource']);
    expect((await cp.call('GET', '/grants/past', TEST_ADMIN_TOKEN)).status).toBe(404);
  });

  it('extending an approved grant puts it back to pending unless a platform admin does it', async () => {
    expect((await apply('pat', grantDoc('extend-me', { expiresAt: Date.now() + 2 * HOUR }))).status).toBe(200);
    const later = Date.now() + 6 * HOUR;
    expect((await apply('pat', grantDoc('extend-me', { expiresAt: later }))).status).toBe(200);
    expect((await state('extend-me')).state).toBe('approved');
    const r = await apply('alice', grantDoc('extend-me', { expiresAt: later + HOUR }));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(await state('extend-me')).toEqual({ state: 'pending', requestedBy: 'user:pat', requestedAt: expect.any(String) });
    expect(compiled()).not.toContain('extend-me');
    // Re-applying the same document changes nothing.
    const again = await apply('alice', grantDoc('extend-me', { expiresAt: later + HOUR }));
    expect(again.body.results[0].action).toBe('unchanged');
  });

  it('a new reason on an approved grant from anyone but a platform admin needs a new approval', async () => {
    const expiresAt = Date.now() + 2 * HOUR;
    expect((await apply('pat', grantDoc('reason-me', { expiresAt }))).status).toBe(200);
    expect((await state('reason-me')).state).toBe('approved');
    // A platform admin may reword it; it stays approved.
    expect((await apply('pat', grantDoc('reason-me', { expiresAt, reason: 'incident 42, reworded' }))).status).toBe(200);
    expect((await state('reason-me')).state).toBe('approved');
    const r = await apply('alice', grantDoc('reason-me', { expiresAt, reason: 'something else entirely' }));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect((await state('reason-me')).state).toBe('pending');
    expect(compiled()).not.toContain('reason-me');
  });

  it('revoke: the requester, a team admin of the team or a platform admin; it leaves the snapshot at once and is final', async () => {
    expect((await apply('alice', grantDoc('revoke-me'))).status).toBe(200);
    expect((await cp.call('POST', '/grants/revoke-me/approve', as('paula'))).status).toBe(200);
    expect(compiled()).toContain('revoke-me');
    expect((await cp.call('POST', '/grants/revoke-me/revoke', as('dave'), {})).status).toBe(403);
    expect((await cp.call('POST', '/grants/revoke-me/revoke', as('sam'), {})).status).toBe(403);
    const r = await cp.call('POST', '/grants/revoke-me/revoke', as('alice'), { reason: 'incident closed' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.status).toMatchObject({ state: 'revoked', revokedBy: 'user:alice', revokeReason: 'incident closed' });
    expect(compiled()).not.toContain('revoke-me');
    expect(await audit('grants.revoke', 'revoke-me')).toEqual([
      expect.objectContaining({ outcome: 'denied', actor: 'user:dave' }),
      expect.objectContaining({ outcome: 'denied', actor: 'user:sam' }),
      expect.objectContaining({ outcome: 'updated', actor: 'user:alice' }),
    ]);
    // A team admin revokes a grant a platform admin made for their team.
    expect((await cp.call('POST', '/grants/pat-self/revoke', as('alice'), {})).status).toBe(200);
    // Final: cannot be approved again or extended.
    expect((await cp.call('POST', '/grants/revoke-me/approve', as('pat'))).body.error.code).toBe('GW_LIFECYCLE_INVALID');
    const extend = await apply('pat', grantDoc('revoke-me', { expiresAt: Date.now() + 20 * HOUR }));
    expect(extend.status).toBe(400);
  });

  it('team members read their team grants; auditors see every team', async () => {
    expect((await apply('pat', grantDoc('sales-one', { team: 'sales' }))).status).toBe(200);
    const names = async (user: string) => ((await cp.call('GET', '/grants', as(user))).body.items as { metadata: { name: string } }[]).map((i) => i.metadata.name);
    expect(await names('audrey')).toContain('sales-one');
    expect(await names('dave')).not.toContain('sales-one');
    expect(await names('dave')).toContain('incident-42');
    expect(await names('sam')).toEqual(['sales-one']);
  });
});
