import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCli } from './helpers/mcp-client.js';
import { eventually, type RunningGantry, startGantry } from './helpers/processes.js';
import { createSupportKey, sdkChat, startSupportTeam, supportTeamYaml } from './helpers/support-team.js';

/** API key scopes, expiry, rotation grace, agent identities and batched last-used times, end to end. */
let g: RunningGantry;
const cli = (...args: string[]) => adminCli(g, ...args);
const call = (key: string, model = 'sim-small', headers: Record<string, string> = {}) => sdkChat(g, key, model, headers);
const createKey = (...flags: string[]) => createSupportKey(g, ...flags);

const AGENTS = `apiVersion: gantry/v1alpha1
kind: Agent
metadata: {name: triage}
spec: {owner: support, lifecycle: active, models: [sim-small]}
`;

beforeAll(async () => {
  g = await startSupportTeam(AGENTS);
});
afterAll(() => g?.stop());

describe('API key scopes and lifetimes', () => {
  it('a model-scoped key may call only its models, and lists only those', async () => {
    const { key } = await createKey('--models', 'sim-small');
    expect(await call(key, 'sim-small')).toEqual({ status: 200 });
    expect(await call(key, 'sim-large')).toEqual({ status: 403, code: 'GW_MODEL_NOT_ALLOWED' });
    const models = await new OpenAI({ baseURL: `${g.url}/v1`, apiKey: key }).models.list();
    expect(models.data.map((m) => m.id)).toEqual(['sim-small']);
  });

  it('an expiring key works until its expiry, then answers GW_KEY_EXPIRED', async () => {
    const { key } = await createKey('--expires-in', '2s');
    expect(await call(key)).toEqual({ status: 200 });
    await eventually(async () => ((await call(key)).code === 'GW_KEY_EXPIRED' ? true : undefined), 4_000);
  });

  it('after a rotation both secrets work during the grace window, then only the new one', async () => {
    const { key: old, name } = await createKey();
    const rotated = await cli('keys', 'rotate', name, '--grace', '2s', '-o', 'json');
    expect(rotated.code, rotated.output).toBe(0);
    const fresh = JSON.parse(rotated.output).key as string;
    expect(await call(old)).toEqual({ status: 200 });
    expect(await call(fresh)).toEqual({ status: 200 });
    await eventually(async () => ((await call(old)).code === 'GW_KEY_EXPIRED' ? true : undefined), 4_000);
    expect(await call(fresh)).toEqual({ status: 200 });
  });
});

describe('agents as identities', () => {
  it("an agent's key is attributed to it, limited to its models, and shows up in `gantry get agents` with last seen and spend", async () => {
    const { key, name } = await createKey('--agent', 'triage');
    expect(await call(key)).toEqual({ status: 200 });
    expect(await call(key, 'sim-large')).toEqual({ status: 403, code: 'GW_MODEL_NOT_ALLOWED' });
    expect(await call(key, 'sim-small', { 'x-gantry-agent': 'somebody-else' })).toEqual({ status: 403, code: 'GW_AGENT_NOT_ALLOWED' });
    const agent = await eventually(async () => {
      const r = await cli('get', 'agent', 'triage', '-o', 'json');
      const a = JSON.parse(r.output) as { status?: { lastSeenAt?: string; spendMicros?: number } };
      return a.status?.lastSeenAt && (a.status.spendMicros ?? 0) > 0 ? a : undefined;
    });
    expect(agent.status?.spendMicros).toBeGreaterThan(0);
    const table = await cli('get', 'agents');
    expect(table.output).toMatch(/triage\s+support\s+active/);
    const k = JSON.parse((await cli('get', 'key', name, '-o', 'json')).output) as { status: { lastUsedAt?: string } };
    expect(Date.parse(k.status.lastUsedAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
  });

  it("suspending the agent stops its keys at once; reactivating restores them", async () => {
    const { key } = await createKey('--agent', 'triage');
    expect(await call(key)).toEqual({ status: 200 });
    expect((await cli('agents', 'suspend', 'triage')).code).toBe(0);
    expect(await call(key)).toMatchObject({ status: 401 });
    expect((await cli('agents', 'activate', 'triage')).code).toBe(0);
    expect(await call(key)).toEqual({ status: 200 });
  });
});

describe('keys defined in gantry.yaml', () => {
  it('writes the generated secret to an owner-only file (never to the log), and the key works', async () => {
    const config = `${supportTeamYaml(AGENTS)}---
apiVersion: gantry/v1alpha1
kind: Provider
metadata: {name: sim}
spec: {type: simulator, instant: true}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: sim-small}
spec: {provider: sim, pricing: {inputPer1M: "0.1", outputPer1M: "0.4"}}
---
apiVersion: gantry/v1alpha1
kind: ApiKey
metadata: {name: from-file}
spec: {team: support}
`;
    const other = await startGantry({ config, env: { GANTRY_LOG_LEVEL: 'info' } });
    try {
      const path = join(other.dataDir, 'generated-keys', 'from-file.key');
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const key = readFileSync(path, 'utf8').trim();
      expect(other.output()).toContain(path);
      expect(other.output()).not.toContain(key);
      const saved = g;
      g = other;
      try {
        expect(await call(key)).toEqual({ status: 200 });
      } finally {
        g = saved;
      }
    } finally {
      await other.stop();
    }
  });
});
