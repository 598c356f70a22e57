import OpenAI from 'openai';
import { expect } from 'vitest';
import { adminCli } from './mcp-client.js';
import { type RunningGantry, startGantry } from './processes.js';

// The set-up of the key and agent e2e suites (keys-agents, agent-registry): team "support" and its agents.

/** Team "support" followed by `agents` (YAML documents). */
export function supportTeamYaml(agents: string): string {
  return `apiVersion: gantry/v1alpha1
kind: Team
metadata: {name: support}
spec: {displayName: Support}
---
${agents}`;
}

/** Starts gantry and applies supportTeamYaml(agents); activity is flushed every 100 ms, so last-used times and the inventory show up quickly. */
export async function startSupportTeam(agents: string): Promise<RunningGantry> {
  const g = await startGantry({ env: { GANTRY_ACTIVITY_FLUSH_MS: '100' } });
  const body = supportTeamYaml(agents);
  const applied = await fetch(`${g.url}/admin/v1/apply`, { method: 'POST', headers: { authorization: `Bearer ${g.adminToken}`, 'content-type': 'application/yaml' }, body });
  expect(applied.status).toBe(200);
  return g;
}

/** `gantry keys create --team support <flags> -o json` as the admin: the new key and its name. */
export async function createSupportKey(g: RunningGantry, ...flags: string[]): Promise<{ key: string; name: string }> {
  const r = await adminCli(g, 'keys', 'create', '--team', 'support', ...flags, '-o', 'json');
  expect(r.code, r.output).toBe(0);
  return JSON.parse(r.output);
}

/** One chat completion with `key` through the OpenAI SDK (no retries): 200, or the error's status and code. */
export async function sdkChat(g: RunningGantry, key: string, model: string, headers: Record<string, string> = {}): Promise<{ status: number; code?: string }> {
  const client = new OpenAI({ baseURL: `${g.url}/v1`, apiKey: key, maxRetries: 0, defaultHeaders: headers });
  try {
    await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hello' }], max_tokens: 8 });
    return { status: 200 };
  } catch (err) {
    const e = err as { status?: number; error?: { code?: string } };
    return { status: e.status ?? 0, code: e.error?.code };
  }
}
