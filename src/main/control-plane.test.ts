import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type InProcessControlPlane, startControlPlane, TEST_ADMIN_TOKEN as ADMIN } from '../../test/helpers/control-plane.js';

const H = 'apiVersion: gantry/v1alpha1\n';
const BASE = `${H}kind: Team\nmetadata: {name: team-a}\nspec: {}\n---\n${H}kind: Team\nmetadata: {name: team-b}\nspec: {}\n---\n${H}kind: Provider\nmetadata: {name: sim}\nspec: {type: simulator}\n---\n${H}kind: Model\nmetadata: {name: small}\nspec: {provider: sim, pricing: {inputPer1M: "0.1", outputPer1M: "0.4"}}\n`;

let cp: InProcessControlPlane;
beforeEach(async () => {
  cp = await startControlPlane();
  expect((await cp.call('POST', '/apply', ADMIN, BASE)).status).toBe(200);
});
afterEach(() => cp.close());

const snapshot = () => cp.control.snapshots.current();
const principalCount = () => snapshot()?.keys.size ?? 0;
const principals = () => [...(snapshot()?.keys.entries() ?? [])].map(([, p]) => p);

describe('apply', () => {
  it('is all or nothing: one bad document (a missing reference) applies nothing and lists every problem', async () => {
    const r = await cp.call('POST', '/apply', ADMIN, `${H}kind: Team\nmetadata: {name: team-c}\nspec: {}\n---\n${H}kind: Agent\nmetadata: {name: bot}\nspec: {owner: team-z, sponsor: nobody}\n`);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('GW_RESOURCE_INVALID');
    expect(r.body.error.details).toEqual([
      expect.objectContaining({ path: 'spec.owner', message: expect.stringContaining('Team "team-z" does not exist') }),
      expect.objectContaining({ path: 'spec.sponsor', message: expect.stringContaining('User "nobody" does not exist') }),
    ]);
    expect((await cp.call('GET', '/teams/team-c', ADMIN)).status).toBe(404);
  });

  it('creates, reports unchanged, updates with a diff and bumps the generation; dry run writes nothing', async () => {
    const doc = (d: string) => `${H}kind: Team\nmetadata: {name: team-c, labels: {tier: gold}}\nspec: {displayName: ${d}}\n`;
    expect((await cp.call('POST', '/apply', ADMIN, doc('C'))).body.results[0]).toMatchObject({ action: 'created', generation: 1 });
    expect((await cp.call('POST', '/apply', ADMIN, doc('C'))).body.results[0]).toMatchObject({ action: 'unchanged', generation: 1 });
    const dry = await cp.call('POST', '/apply?dryRun=true', ADMIN, doc('Cee'));
    expect(dry.body.results[0]).toMatchObject({ action: 'updated', diff: [{ path: 'spec.displayName', op: 'replace', before: 'C', after: 'Cee' }] });
    expect((await cp.call('GET', '/teams/team-c', ADMIN)).body.spec.displayName).toBe('C');
    expect((await cp.call('POST', '/apply', ADMIN, doc('Cee'))).body.results[0]).toMatchObject({ action: 'updated', generation: 2 });
    const got = (await cp.call('GET', '/teams/team-c', ADMIN)).body;
    expect(got.metadata).toMatchObject({ generation: 2, createdBy: 'admin-token', updatedBy: 'admin-token', labels: { tier: 'gold' } });
  });

  it('refuses to change immutable fields and to delete what is still referenced', async () => {
    await cp.call('POST', '/apply', ADMIN, `${H}kind: ApiKey\nmetadata: {name: k1}\nspec: {team: team-a}\n`);
    const moved = await cp.call('POST', '/apply', ADMIN, `${H}kind: ApiKey\nmetadata: {name: k1}\nspec: {team: team-b}\n`);
    expect(moved.body.error.details[0]).toMatchObject({ path: 'spec.team', message: expect.stringContaining('cannot change after creation') });
    const del = await cp.call('DELETE', '/teams/team-a', ADMIN);
    expect(del.status).toBe(409);
    expect(del.body.error).toMatchObject({ code: 'GW_RESOURCE_IN_USE', message: expect.stringContaining('ApiKey "k1"') });
  });

  it('lists with label selectors and walks every page with continue', async () => {
    const docs = Array.from({ length: 25 }, (_, i) => `${H}kind: Team\nmetadata: {name: t-${String(i).padStart(2, '0')}, labels: {parity: ${i % 2 ? 'odd' : 'even'}}}\nspec: {}\n`).join('---\n');
    expect((await cp.call('POST', '/apply', ADMIN, docs)).status).toBe(200);
    const seen: string[] = [];
    let cont: string | null = null;
    do {
      const page = await cp.call('GET', `/teams?labelSelector=parity=odd&limit=5${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`, ADMIN);
      seen.push(...page.body.items.map((t: { metadata: { name: string } }) => t.metadata.name));
      cont = page.body.continue;
    } while (cont);
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => `t-${String(2 * i + 1).padStart(2, '0')}`));
  });
});

describe('keys and agents in the snapshot', () => {
  it('creates a key (secret once, hash only stored), rotates with a grace window, revokes at once', async () => {
    const created = await cp.call('POST', '/apikeys', ADMIN, { team: 'team-a', name: 'ci' });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^gk_/);
    const stored = await cp.store.get('ApiKey', 'ci');
    expect(JSON.stringify(stored)).not.toContain(created.body.key);
    expect(JSON.stringify((await cp.call('GET', '/apikeys/ci', ADMIN)).body)).not.toMatch(/hash/i);
    const before = principalCount();
    const rotated = await cp.call('POST', '/apikeys/ci/rotate', ADMIN, { gracePeriodSeconds: 600 });
    expect(rotated.body.key).not.toBe(created.body.key);
    // Both secrets work during the grace window; the old one carries its end time.
    expect(principalCount()).toBe(before + 1);
    const old = principals().filter((p) => p.keyName === 'ci');
    expect(old.map((p) => p.notAfter !== undefined).sort()).toEqual([false, true]);
    await cp.call('POST', '/apikeys/ci/revoke', ADMIN);
    expect(principals().filter((p) => p.keyName === 'ci')).toEqual([]);
    expect((await cp.call('POST', '/apikeys/ci/rotate', ADMIN, {})).status).toBe(409);
  });

  it('checks agent lifecycle transitions, records approvals, and stops an agent key while suspended', async () => {
    await cp.call('POST', '/apply', ADMIN, `${H}kind: Agent\nmetadata: {name: bot}\nspec: {owner: team-a, models: [small]}\n`);
    const key = await cp.call('POST', '/apikeys', ADMIN, { team: 'team-a', agent: 'bot', name: 'bot-key' });
    expect(key.status).toBe(201);
    const keyLive = () => principals().some((p) => p.keyName === 'bot-key');
    expect(keyLive()).toBe(false); // proposed: not serving yet
    const skip = await cp.call('POST', '/agents/bot/lifecycle', ADMIN, { to: 'active' });
    expect(skip.status).toBe(409);
    expect(skip.body.error).toMatchObject({ code: 'GW_LIFECYCLE_INVALID', message: expect.stringContaining('allowed from proposed: approved, retired') });
    const approved = await cp.call('POST', '/agents/bot/lifecycle', ADMIN, { to: 'approved', reason: 'reviewed' });
    expect(approved.body.status).toMatchObject({ approvedBy: 'admin-token', history: [{ from: null, to: 'proposed' }, { from: 'proposed', to: 'approved', reason: 'reviewed' }] });
    await cp.call('POST', '/agents/bot/lifecycle', ADMIN, { to: 'active' });
    expect(keyLive()).toBe(true);
    expect(principals().find((p) => p.keyName === 'bot-key')).toMatchObject({ agent: 'bot', models: new Set(['small']) });
    await cp.call('POST', '/agents/bot/lifecycle', ADMIN, { to: 'suspended' });
    expect(keyLive()).toBe(false);
    const back = await cp.call('POST', '/apply', ADMIN, `${H}kind: Agent\nmetadata: {name: bot}\nspec: {owner: team-a, lifecycle: proposed}\n`);
    expect(back.body.error.details[0]).toMatchObject({ path: 'spec.lifecycle', message: expect.stringContaining('cannot go from suspended to proposed') });
  });

  it('refuses a new key that would already be expired', async () => {
    const r = await cp.call('POST', '/apikeys', ADMIN, { team: 'team-a', expiresAt: '2020-01-01T00:00:00Z' });
    expect(r.status).toBe(400);
    expect(r.body.error.details[0]).toMatchObject({ path: 'spec.expiresAt', message: expect.stringContaining('in the past') });
  });

  it('refuses a key for an agent of another team', async () => {
    await cp.call('POST', '/apply', ADMIN, `${H}kind: Agent\nmetadata: {name: bot-b}\nspec: {owner: team-b}\n`);
    const r = await cp.call('POST', '/apikeys', ADMIN, { team: 'team-a', agent: 'bot-b' });
    expect(r.body.error.details[0]).toMatchObject({ path: 'spec.agent', message: expect.stringContaining('owned by team "team-b"') });
  });
});

describe('team isolation and the audit log', () => {
  it("a developer of team A sees and changes only team A's resources", async () => {
    await cp.call('POST', '/apply', ADMIN, `${H}kind: User\nmetadata: {name: dave}\nspec: {teams: [{team: team-a, role: developer}]}\n---\n${H}kind: Agent\nmetadata: {name: bot-a}\nspec: {owner: team-a}\n---\n${H}kind: Agent\nmetadata: {name: bot-b}\nspec: {owner: team-b}\n`);
    const token = (await cp.call('POST', '/users/dave/tokens', ADMIN, {})).body.token;
    const agents = await cp.call('GET', '/agents', token);
    expect(agents.body.items.map((a: { metadata: { name: string } }) => a.metadata.name)).toEqual(['bot-a']);
    expect((await cp.call('GET', '/agents/bot-b', token)).status).toBe(403);
    expect((await cp.call('POST', '/apikeys', token, { team: 'team-b' })).status).toBe(403);
    const own = await cp.call('POST', '/apikeys', token, { team: 'team-a', name: 'dave-1' });
    expect(own.body.user).toBe('dave');
    expect((await cp.call('GET', '/apikeys', token)).body.items.map((k: { metadata: { name: string } }) => k.metadata.name)).toEqual(['dave-1']);
  });

  it("a developer may not mint agent credentials or long-lived tokens; a disabled user's keys stop", async () => {
    await cp.call('POST', '/apply', ADMIN, `${H}kind: User\nmetadata: {name: dev}\nspec: {teams: [{team: team-a, role: developer}]}\n---\n${H}kind: Agent\nmetadata: {name: bot-a}\nspec: {owner: team-a, lifecycle: active}\n`);
    const token = (await cp.call('POST', '/users/dev/tokens', ADMIN, {})).body.token;
    const agentKey = await cp.call('POST', '/apikeys', token, { team: 'team-a', agent: 'bot-a' });
    expect(agentKey.status).toBe(403);
    const long = await cp.call('POST', '/users/dev/tokens', token, { ttlHours: 720 });
    expect(long.status).toBe(400);
    expect(long.body.error.message).toContain('at most 24 hours');
    const own = await cp.call('POST', '/apikeys', token, { team: 'team-a', name: 'dev-key', labels: { purpose: 'laptop' } });
    expect(own.body.resource.metadata.labels).toEqual({ purpose: 'laptop' });
    const live = () => principals().some((p) => p.keyName === 'dev-key');
    expect(live()).toBe(true);
    await cp.call('POST', '/apply', ADMIN, `${H}kind: User\nmetadata: {name: dev}\nspec: {teams: [{team: team-a, role: developer}], disabled: true}\n`);
    expect(live()).toBe(false);
  });

  it('logout revokes the presented user token at once, and only that one', async () => {
    await cp.call('POST', '/apply', ADMIN, `${H}kind: User\nmetadata: {name: lou}\nspec: {}\n`);
    const first = (await cp.call('POST', '/users/lou/tokens', ADMIN, {})).body.token;
    const second = (await cp.call('POST', '/users/lou/tokens', ADMIN, {})).body.token;
    expect((await cp.call('POST', '/auth/logout', first)).body).toEqual({ revoked: true });
    expect((await cp.call('GET', '/whoami', first)).status).toBe(401);
    expect((await cp.call('GET', '/whoami', second)).status).toBe(200);
    const disabled = await cp.call('POST', '/apply', ADMIN, `${H}kind: User\nmetadata: {name: lou}\nspec: {disabled: true}\n`);
    expect(disabled.status).toBe(200);
    expect((await cp.call('GET', '/whoami', second)).status).toBe(401);
  });

  it('chains every change and denial with who/what/diff, never a secret; verify detects a tampered entry', async () => {
    const key = (await cp.call('POST', '/apikeys', ADMIN, { team: 'team-a', name: 'audited' })).body.key as string;
    await cp.call('POST', '/apikeys/audited/rotate', ADMIN, {});
    const log = await cp.call('GET', '/audit?limit=1000', ADMIN);
    const text = JSON.stringify(log.body);
    expect(text).not.toContain(key);
    expect(text).not.toMatch(/"hashes"|"hash":"[A-Za-z0-9_-]{43}"/);
    const create = log.body.items.find((e: { action: string }) => e.action === 'keys.create');
    expect(create).toMatchObject({ actor: 'admin-token', kind: 'ApiKey', name: 'audited', outcome: 'created', team: 'team-a', sourceIp: '127.0.0.1' });
    expect(create.requestId).toMatch(/^req_/);
    expect((await cp.call('GET', '/audit/verify', ADMIN)).body).toMatchObject({ ok: true, entries: log.body.items.length });
  });
});
