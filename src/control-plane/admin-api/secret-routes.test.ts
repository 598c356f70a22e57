import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type InProcessControlPlane, startControlPlane, TEST_ADMIN_TOKEN, TEST_MASTER_KEY } from '../../../test/helpers/control-plane.js';
import { createKeyHasher } from '../../kernel/api-keys.js';
import { keyId } from '../../kernel/envelope.js';
import { createSecretCrypto } from '../../main/master-key.js';
import { createMemoryLedgerStore } from '../../storage/memory/ledger-store.js';
import { createMemoryResourceStore } from '../../storage/memory/resource-store.js';
import { systemActor } from '../rbac/roles.js';
import type { SecretColumn } from '../service/prepare-secret.js';

const T = TEST_ADMIN_TOKEN;
const doc = (name: string, spec: string) => `apiVersion: gantry/v1alpha1\nkind: Secret\nmetadata: {name: ${name}}\nspec: ${spec}\n`;

let open: InProcessControlPlane[] = [];
async function start(...args: Parameters<typeof startControlPlane>): Promise<InProcessControlPlane> {
  const cp = await startControlPlane(...args);
  open.push(cp);
  return cp;
}
afterEach(async () => {
  await Promise.all(open.map((cp) => cp.close()));
  open = [];
});

/** Every audit entry, as text. */
async function auditText(cp: InProcessControlPlane): Promise<string> {
  return JSON.stringify((await cp.call('GET', '/audit?limit=1000', T)).body);
}

function expectAbsent(text: string, ...values: string[]): void {
  for (const v of values) expect(text.includes(v), `found a plaintext value in: ${text.slice(0, 300)}`).toBe(false);
}

describe('Secrets through the admin API', () => {
  it('creates from a value and answers, lists and audits metadata only', async () => {
    const cp = await start();
    const value = 'sk-created-through-api-0001';
    const created = await cp.call('POST', '/secrets', T, { name: 'openai-prod', value, description: 'OpenAI production key' });
    expect(created.status).toBe(201);
    expect(created.body.kind).toBe('Secret');
    expect(created.body.spec).toEqual({ description: 'OpenAI production key' });
    expect(created.body.status.currentVersion).toBe(1);
    expect(created.body.status.versions).toEqual([{ version: 1, createdAt: expect.any(String), createdBy: 'admin-token' }]);
    const one = await cp.call('GET', '/secrets/openai-prod', T);
    const list = await cp.call('GET', '/secrets', T);
    expect(list.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['openai-prod']);
    const stored = (await cp.store.get('Secret', 'openai-prod'))?.secret as SecretColumn;
    // The ciphertext is stored, under the test master key, and is in no answer either.
    expect(stored.kid).toBe(keyId(TEST_MASTER_KEY));
    expectAbsent(JSON.stringify([created.body, one.body, list.body, await auditText(cp)]), value, stored.versions[0]?.envelope.ciphertext as string, stored.fingerprint);
    expect(JSON.parse(await auditText(cp)).items.some((e: { action: string; name: string }) => e.action === 'secrets.create' && e.name === 'openai-prod')).toBe(true);
    const again = await cp.call('POST', '/secrets', T, { name: 'openai-prod', value: 'other' });
    expect(again.status).toBe(409);
    const noValue = await cp.call('POST', '/secrets', T, { name: 'x' });
    expect(noValue.status).toBe(400);
    expect(noValue.body.error.param).toBe('value');
  });

  it('applies a value: stored spec without it, the same value is unchanged, a new value rotates with a grace window', async () => {
    const cp = await start();
    const [v1, v2] = ['first-applied-value-aaaa', 'second-applied-value-bbbb'];
    const first = await cp.call('POST', '/apply', T, doc('db', `{value: ${v1}, rotationGraceSeconds: 600}`));
    expect(first.body.results[0]).toMatchObject({ action: 'created' });
    const same = await cp.call('POST', '/apply', T, doc('db', `{value: ${v1}, rotationGraceSeconds: 600}`));
    expect(same.body.results[0]).toMatchObject({ action: 'unchanged', generation: 1 });
    const dry = await cp.call('POST', '/apply?dryRun=true', T, doc('db', `{value: ${v2}, rotationGraceSeconds: 600}`));
    expect(dry.body.results[0]).toMatchObject({ action: 'updated' });
    expect((await cp.call('GET', '/secrets/db', T)).body.status.currentVersion).toBe(1);
    const before = Date.now();
    const rotated = await cp.call('POST', '/apply', T, doc('db', `{value: ${v2}, rotationGraceSeconds: 600}`));
    expect(rotated.body.results[0]).toMatchObject({ action: 'updated', generation: 2 });
    const got = await cp.call('GET', '/secrets/db', T);
    expect(got.body.spec).toEqual({ rotationGraceSeconds: 600 });
    expect(got.body.status.currentVersion).toBe(2);
    const previous = got.body.status.versions.find((v: { version: number }) => v.version === 1);
    const until = Date.parse(previous.validUntil);
    expect(until).toBeGreaterThanOrEqual(before + 600_000 - 1000);
    expect(until).toBeLessThanOrEqual(Date.now() + 600_000);
    expectAbsent(JSON.stringify([first.body, same.body, dry.body, rotated.body, got.body, await auditText(cp)]), v1, v2);
  });

  it('refuses a Secret without a value, a stored default, and environment variables an API apply may not read', async () => {
    const cp = await start(createMemoryResourceStore(), createMemoryLedgerStore(), {
      env: { GANTRY_PROVIDER_ENV_ALLOW: 'TEAM_*', TEAM_TOKEN: 'env-value-allowed-cccc', OTHER_TOKEN: 'env-value-denied-dddd' },
    });
    const problems = async (spec: string) => {
      const r = await cp.call('POST', '/apply', T, doc('s', spec));
      expect(r.status).toBe(400);
      expectAbsent(JSON.stringify(r.body), 'env-value-denied-dddd', 'env-value-allowed-cccc');
      return r.body.error.details.map((d: { path: string; message: string }) => `${d.path}: ${d.message}`).join('\n');
    };
    expect(await problems('{description: none}')).toMatch(/spec.value: a new Secret needs a value/);
    expect(await problems('{fromEnv: {fromEnv: OTHER_TOKEN}}')).toMatch(/spec.fromEnv.fromEnv: environment variable OTHER_TOKEN may not be read .*allowed: TEAM_\*/);
    expect(await problems('{fromEnv: {fromEnv: TEAM_MISSING}}')).toMatch(/TEAM_MISSING is not set on the server/);
    expect(await problems('{fromEnv: {fromEnv: TEAM_TOKEN, default: x}}')).toMatch(/spec.fromEnv.default: a Secret takes no default/);
    expect(await problems('{value: a, fromEnv: {fromEnv: TEAM_TOKEN}}')).toMatch(/spec: set spec.value or spec.fromEnv, not both/);
    const ok = await cp.call('POST', '/apply', T, doc('s', '{fromEnv: {fromEnv: TEAM_TOKEN}}'));
    expect(ok.status).toBe(200);
    expect((await cp.call('GET', '/secrets/s', T)).body.spec).toEqual({ fromEnv: { fromEnv: 'TEAM_TOKEN' } });
    // Decrypts to the environment's value.
    const crypto = createSecretCrypto({ current: TEST_MASTER_KEY, previous: undefined }, createKeyHasher('test-key-hash-secret'));
    const column = (await cp.store.get('Secret', 's'))?.secret as SecretColumn;
    expect(crypto.decrypt('s', 1, column.versions[0]?.envelope)).toBe('env-value-allowed-cccc');
  });

  it('gantry.yaml at start: a new environment value rotates; the same one leaves an API rotation alone', async () => {
    const env: Record<string, string> = { OPENAI_KEY: 'seed-value-1-kkkk' };
    const cp = await start(createMemoryResourceStore(), createMemoryLedgerStore(), { env });
    const seed = () =>
      cp.control.apply.applyText(systemActor('system:gantry.yaml'), doc('openai', '{fromEnv: {fromEnv: OPENAI_KEY}}'), { dryRun: false, seed: true }, { requestId: 'startup', sourceIp: undefined });
    const version = async () => (await cp.call('GET', '/secrets/openai', T)).body.status.currentVersion;
    expect((await seed()).results[0]?.action).toBe('created');
    expect((await seed()).results[0]?.action).toBe('unchanged');
    env.OPENAI_KEY = 'seed-value-2-llll';
    expect((await seed()).results[0]?.action).toBe('updated');
    expect(await version()).toBe(2);
    // Rotated through the API: a restart with the same environment does not set it back.
    await cp.call('POST', '/secrets/openai/rotate', T, { value: 'api-value-3-mmmm' });
    expect((await seed()).results[0]?.action).toBe('unchanged');
    expect(await version()).toBe(3);
    // The variable removed after the first start: the stored value stays.
    delete env.OPENAI_KEY;
    expect((await seed()).results[0]?.action).toBe('unchanged');
    expect(await version()).toBe(3);
  });

  it('applying back what a read returned (gantry get secret -o yaml | gantry apply) neither rotates nor wipes the value', async () => {
    const cp = await start();
    await cp.call('POST', '/secrets', T, { name: 'round', value: 'round-trip-v1-pppp', rotationGraceSeconds: 60 });
    await cp.call('POST', '/secrets/round/rotate', T, { value: 'round-trip-v2-qqqq' });
    const before = (await cp.store.get('Secret', 'round'))?.secret;
    const read = (await cp.call('GET', '/secrets/round', T)).body;
    const back = await cp.call('POST', '/apply', T, JSON.stringify(read));
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    expect(back.body.results[0]).toMatchObject({ kind: 'Secret', name: 'round', action: 'unchanged' });
    expect((await cp.store.get('Secret', 'round'))?.secret).toEqual(before);
    expect((await cp.call('GET', '/secrets/round', T)).body.status).toEqual(read.status);
  });

  it('gantry.yaml giving the current value (created through the API) does not undo a later API rotation at the next start', async () => {
    const env: Record<string, string> = { OPENAI_KEY: 'same-as-api-value-nnnn' };
    const cp = await start(createMemoryResourceStore(), createMemoryLedgerStore(), { env });
    const seed = () =>
      cp.control.apply.applyText(systemActor('system:gantry.yaml'), doc('openai', '{fromEnv: {fromEnv: OPENAI_KEY}}'), { dryRun: false, seed: true }, { requestId: 'startup', sourceIp: undefined });
    const version = async () => (await cp.call('GET', '/secrets/openai', T)).body.status.currentVersion;
    await cp.call('POST', '/secrets', T, { name: 'openai', value: 'same-as-api-value-nnnn' });
    // The file now manages it, with the value it already has: no new version.
    await seed();
    expect(await version()).toBe(1);
    expect((await seed()).results[0]?.action).toBe('unchanged');
    // Rotated through the API (say the old credential leaked); a restart with the same file keeps it.
    await cp.call('POST', '/secrets/openai/rotate', T, { value: 'rotated-after-leak-oooo' });
    expect((await seed()).results[0]?.action).toBe('unchanged');
    expect(await version()).toBe(2);
    const crypto = createSecretCrypto({ current: TEST_MASTER_KEY, previous: undefined }, createKeyHasher('test-key-hash-secret'));
    const column = (await cp.store.get('Secret', 'openai'))?.secret as SecretColumn;
    expect(crypto.decrypt('openai', 2, column.versions[0]?.envelope)).toBe('rotated-after-leak-oooo');
  });

  it('rotates to a new value: the previous version stays for the grace period, or ends at once with 0', async () => {
    const cp = await start();
    await cp.call('POST', '/secrets', T, { name: 'svc', value: 'rotate-v1-eeee' });
    const r = await cp.call('POST', '/secrets/svc/rotate', T, { value: 'rotate-v2-ffff', gracePeriodSeconds: 120 });
    expect(r.status).toBe(200);
    expect(r.body.rotated).toBe(true);
    expect(r.body.status.currentVersion).toBe(2);
    expect(r.body.status.versions.map((v: { version: number; validUntil?: string }) => [v.version, v.validUntil !== undefined])).toEqual([
      [2, false],
      [1, true],
    ]);
    const same = await cp.call('POST', '/secrets/svc/rotate', T, { value: 'rotate-v2-ffff' });
    expect(same.body.rotated).toBe(false);
    expect(same.body.status.currentVersion).toBe(2);
    const now = await cp.call('POST', '/secrets/svc/rotate', T, { value: 'rotate-v3-gggg', gracePeriodSeconds: 0 });
    // v2 ends now (grace 0); v1 keeps its own window.
    expect(now.body.status.versions.map((v: { version: number }) => v.version)).toEqual([3, 1]);
    expect((await cp.call('POST', '/secrets/nope/rotate', T, { value: 'x' })).status).toBe(404);
    // The bound a created value has (the Secret schema) holds for a rotated one too.
    const huge = await cp.call('POST', '/secrets/svc/rotate', T, { value: 'h'.repeat(65_537) });
    expect([huge.status, huge.body.error.param]).toEqual([400, 'value']);
    expectAbsent(JSON.stringify([r.body, same.body, now.body, await auditText(cp)]), 'rotate-v1-eeee', 'rotate-v2-ffff', 'rotate-v3-gggg');
    const actions = JSON.parse(await auditText(cp)).items.map((e: { action: string }) => e.action);
    expect(actions.filter((a: string) => a === 'secrets.rotate')).toHaveLength(2);
  });

  it('re-wraps every data key under a new master key, with the old one as the previous key', async () => {
    const store = createMemoryResourceStore();
    const old = await start(store);
    await old.call('POST', '/secrets', T, { name: 'a', value: 'rewrap-value-a-hhhh' });
    await old.call('POST', '/secrets/a/rotate', T, { value: 'rewrap-value-a2-iiii' });
    await old.call('POST', '/secrets', T, { name: 'b', value: 'rewrap-value-b-jjjj' });
    await old.close();
    open = [];
    const next = randomBytes(32);
    const hash = createKeyHasher('test-key-hash-secret');
    const cp = await start(store, createMemoryLedgerStore(), { secretCrypto: createSecretCrypto({ current: next, previous: TEST_MASTER_KEY }, hash) });
    const r = await cp.call('POST', '/secrets/rewrap', T);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ kid: keyId(next), rewrapped: ['a', 'b'], unchanged: 0, failed: [] });
    expect((await cp.call('POST', '/secrets/rewrap', T)).body).toMatchObject({ rewrapped: [], unchanged: 2 });
    // The new key alone now opens every version.
    const only = createSecretCrypto({ current: next, previous: undefined }, hash);
    const a = (await store.get('Secret', 'a'))?.secret as SecretColumn;
    expect(a.versions.map((v) => only.decrypt('a', v.version, v.envelope))).toEqual(['rewrap-value-a2-iiii', 'rewrap-value-a-hhhh']);
    const audit = await auditText(cp);
    expectAbsent(audit, 'rewrap-value-a-hhhh', 'rewrap-value-a2-iiii', 'rewrap-value-b-jjjj');
    expect(audit).toContain(keyId(next));
  });
});
