import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type InProcessControlPlane, startControlPlane, TEST_ADMIN_TOKEN as ADMIN } from '../../test/helpers/control-plane.js';
import { systemActor } from '../control-plane/rbac/roles.js';
import { createEnvPolicy } from '../control-plane/service/env-policy.js';
import { createMemoryResourceStore } from '../storage/memory/resource-store.js';
import type { ResourceStore } from '../storage/ports/resource-store.js';
import { ensureDemoKey } from './seed.js';

/** Regression tests for the security review of the control plane (one per finding). */
const H = 'apiVersion: gantry/v1alpha1\n';
const BASE = `${H}kind: Team\nmetadata: {name: team-a}\nspec: {}\n---\n${H}kind: User\nmetadata: {name: alice}\nspec: {teams: [{team: team-a, role: team-admin}]}\n---\n${H}kind: User\nmetadata: {name: dev}\nspec: {teams: [{team: team-a, role: developer}]}\n---\n${H}kind: User\nmetadata: {name: root}\nspec: {email: root@corp.com, roles: [platform-admin]}\n`;
const META = { requestId: 'test', sourceIp: undefined };

let cp: InProcessControlPlane;
beforeEach(async () => {
  cp = await startControlPlane();
  const r = await cp.call('POST', '/apply', ADMIN, BASE);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
});
afterEach(() => cp.close());

const tokenOf = async (user: string, ttlHours = 12) => (await cp.call('POST', `/users/${user}/tokens`, ADMIN, { ttlHours })).body.token as string;
const live = (keyName: string) => [...(cp.control.snapshots.current()?.keys.entries() ?? [])].some(([, p]) => p.keyName === keyName);
const sso = (subject: string, email: string | undefined) => cp.control.users.issueSession({ issuer: 'https://idp', subject, email, name: undefined, groups: [] }, META);

describe('SSO cannot take over an account', () => {
  it('links a user by verified e-mail once; another identity with the same e-mail is refused', async () => {
    expect((await sso('real-root', 'root@corp.com')).user).toBe('root');
    await expect(sso('attacker', 'ROOT@corp.com')).rejects.toMatchObject({ code: 'GW_SSO_FAILED' });
    expect((await cp.store.get('User', 'root'))?.status).toMatchObject({ sso: { subject: 'real-root' } });
    // Without a (verified) e-mail a new identity gets its own, role-less user.
    const other = await sso('someone', undefined);
    expect(other.user).not.toBe('root');
  });

  it('keeps e-mail addresses unique across users', async () => {
    const r = await cp.call('POST', '/apply', ADMIN, `${H}kind: User\nmetadata: {name: eve}\nspec: {email: Root@Corp.com}\n`);
    expect(r.status).toBe(400);
    expect(r.body.error.details[0]).toMatchObject({ path: 'spec.email', message: expect.stringContaining('User "root"') });
  });
});

describe('Providers applied through the API cannot read arbitrary environment variables', () => {
  it('refuses every environment variable by default (only gantry.yaml reads the environment)', async () => {
    const provider = (env: string) => `${H}kind: Provider\nmetadata: {name: exfil}\nspec: {type: openai-compatible, baseUrl: "http://127.0.0.1:9/v1", apiKey: {fromEnv: ${env}}}\n`;
    for (const env of ['GANTRY_ADMIN_TOKEN', 'GANTRY_KEY_HASH_SECRET', 'DATABASE_URL', 'OPENAI_API_KEY']) {
      const r = await cp.call('POST', '/apply', ADMIN, provider(env));
      expect(r.status, env).toBe(400);
      expect(r.body.error.details[0]).toMatchObject({ path: 'spec.apiKey.fromEnv', message: expect.stringContaining(env) });
    }
    const seeded = await cp.control.apply.applyText(systemActor('system:gantry.yaml'), provider('OPENAI_API_KEY'), { dryRun: false, seed: true }, META);
    expect(seeded.results[0]?.action).toBe('created');
  });

  it("follows the operator's GANTRY_PROVIDER_ENV_ALLOW list, never allowing Gantry's own variables", () => {
    const policy = createEnvPolicy('OPENAI_API_KEY, VLLM_*, *_ANTHROPIC_KEY, GANTRY_*');
    expect(['OPENAI_API_KEY', 'VLLM_TOKEN', 'TEAM_ANTHROPIC_KEY'].every(policy.allowed)).toBe(true);
    expect(['OPENAI_API_KEY_2', 'AWS_SECRET_ACCESS_KEY', 'GANTRY_ADMIN_TOKEN'].some(policy.allowed)).toBe(false);
    expect(createEnvPolicy(undefined).allowed('OPENAI_API_KEY')).toBe(false);
  });
});

describe('state set in an incident survives restarts', () => {
  it('a seed apply creates identities once and never re-grants what was removed through the API', async () => {
    await cp.call('POST', '/apply', ADMIN, `${H}kind: User\nmetadata: {name: root}\nspec: {email: root@corp.com}\n`);
    await cp.control.apply.applyText(systemActor('system:gantry.yaml'), BASE, { dryRun: false, seed: true }, META);
    expect((await cp.store.get('User', 'root'))?.spec).toEqual({ email: 'root@corp.com' });
  });

  it('a seed apply (gantry.yaml at start) does not re-enable a disabled user, whose tokens are gone', async () => {
    const token = await tokenOf('dev');
    await cp.call('POST', '/apply', ADMIN, `${H}kind: User\nmetadata: {name: dev}\nspec: {teams: [{team: team-a, role: developer}], disabled: true}\n`);
    expect((await cp.call('GET', '/whoami', token)).status).toBe(401);
    await cp.control.apply.applyText(systemActor('system:gantry.yaml'), BASE, { dryRun: false, seed: true }, META);
    expect((await cp.store.get('User', 'dev'))?.spec).toMatchObject({ disabled: true });
    // Enabling the user again does not bring the old session back.
    await cp.call('POST', '/apply', ADMIN, `${H}kind: User\nmetadata: {name: dev}\nspec: {teams: [{team: team-a, role: developer}]}\n`);
    expect((await cp.call('GET', '/whoami', token)).status).toBe(401);
  });

  it('the demo key is created once and never repaired: a rotation stands across restarts', async () => {
    const deps = cp.control.serviceDeps;
    expect(await ensureDemoKey('gk_first_demo_key_0123456789abcdef', cp.control.apply, deps)).toBeUndefined();
    await cp.call('POST', '/apikeys/demo/rotate', ADMIN, { gracePeriodSeconds: 0 });
    const warning = await ensureDemoKey('gk_first_demo_key_0123456789abcdef', cp.control.apply, deps);
    expect(warning).toContain('not the stored ApiKey "demo"');
    expect(cp.control.snapshots.current()?.keys.get(deps.hashSecret('gk_first_demo_key_0123456789abcdef'))).toBeUndefined();
  });
});

describe('people and their keys', () => {
  it("a developer's key stops when they leave the team, and a key must belong to a member of its team", async () => {
    const token = await tokenOf('dev');
    expect((await cp.call('POST', '/apikeys', token, { team: 'team-a', name: 'dev-key' })).status).toBe(201);
    expect(live('dev-key')).toBe(true);
    const outsider = await cp.call('POST', '/apikeys', ADMIN, { team: 'team-a', user: 'root' });
    expect(outsider.body.error.details[0]).toMatchObject({ path: 'spec.user', message: expect.stringContaining('not a member of team "team-a"') });
    await cp.call('POST', '/apply', (await tokenOf('alice')), `${H}kind: User\nmetadata: {name: dev}\nspec: {}\n`);
    expect(live('dev-key')).toBe(false);
  });

  it('a token minted with a user token never outlives it, a platform admin\'s own included', async () => {
    const rootShort = await tokenOf('root', 1);
    const rootMinted = await cp.call('POST', '/users/root/tokens', rootShort, { ttlHours: 24 });
    expect(Date.parse(rootMinted.body.expiresAt)).toBeLessThanOrEqual(Date.now() + 3_600_000 + 1_000);
    expect((await cp.call('POST', '/users/root/tokens', rootShort, { ttlHours: 720 })).status).toBe(400);
    const short = await tokenOf('dev', 1);
    const minted = await cp.call('POST', '/users/dev/tokens', short, { ttlHours: 24 });
    expect(minted.status).toBe(201);
    expect(Date.parse(minted.body.expiresAt)).toBeLessThanOrEqual(Date.now() + 3_600_000 + 1_000);
  });

  it('a team admin may not relabel a user (labels drive selectors and, later, policies)', async () => {
    const r = await cp.call('POST', '/apply', await tokenOf('alice'), `${H}kind: User\nmetadata: {name: root, labels: {owned: by-alice}}\nspec: {email: root@corp.com, roles: [platform-admin]}\n`);
    expect(r.status).toBe(403);
    expect(r.body.error.message).toContain('only a platform admin changes the labels of a user');
  });
});

describe('bad input is a 400, never a 500', () => {
  it('refuses malformed percent-encoding in a path, and an unknown dryRun value', async () => {
    const r = await cp.call('GET', '/teams/%E0%A4%A', ADMIN);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('GW_REQUEST_INVALID');
    const dry = await cp.call('POST', '/apply?dryRun=maybe', ADMIN, `${H}kind: Team\nmetadata: {name: t2}\nspec: {}\n`);
    expect(dry.status).toBe(400);
    const python = await cp.call('POST', '/apply?dryRun=True', ADMIN, `${H}kind: Team\nmetadata: {name: t3}\nspec: {}\n`);
    expect(python.body.dryRun).toBe(true);
    expect((await cp.call('GET', '/teams/t3', ADMIN)).status).toBe(404);
  });
});

describe('a write that committed is never reported as failed', () => {
  it('returns the new key even when this process cannot reload the snapshot right after the commit', async () => {
    const store = createMemoryResourceStore();
    let failReads = false;
    const flaky: ResourceStore = {
      ...store,
      revision: () => (failReads ? Promise.reject(new Error('Connection terminated unexpectedly')) : store.revision()),
      commit: async (...args) => {
        const result = await store.commit(...args);
        failReads = args[0].some((w) => w.kind === 'ApiKey');
        return result;
      },
    };
    const other = await startControlPlane(flaky);
    try {
      await other.call('POST', '/apply', ADMIN, BASE);
      const created = await other.call('POST', '/apikeys', ADMIN, { team: 'team-a', name: 'survivor' });
      expect(created.status).toBe(201);
      expect(created.body.key).toMatch(/^gk_/);
      failReads = false;
      await other.control.sync.refresh();
      expect([...(other.control.snapshots.current()?.keys.entries() ?? [])].some(([, p]) => p.keyName === 'survivor')).toBe(true);
    } finally {
      await other.close();
    }
  });
});
