import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, eventually, type RunningGantry, runGantry, startGantry, usageEvents } from './helpers/processes.js';

/**
 * The "Done when", as a platform admin does it against a running gateway: the example
 * policies pass `gantry policy test`; a new policy applied in dry-run produces would-deny events and
 * metrics while requests are served; switched to enforce, the same requests get 403 GW_POLICY_DENIED
 * naming the policy (not its text), with usage evidence and an audit entry; an email address in a
 * prompt is redacted before it reaches the provider (the example's sim-echo model answers with what it
 * received) and appears in no log.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const EXAMPLE = readFileSync(join(ROOT, 'examples/policy/gantry.yaml'), 'utf8');
const policy = (mode: 'dry-run' | 'enforce') => `apiVersion: gantry/v1alpha1
kind: Policy
metadata: {name: no-large-for-default}
spec:
  mode: ${mode}
  description: The default team may not use the flagship.
  policy: |
    forbid (principal in Gantry::Team::"default", action == Gantry::Action::"invoke_model", resource == Gantry::Model::"sim-large");
`;

describe('policy as code and guardrails, end to end', () => {
  let g: RunningGantry;
  const apply = async (yaml: string) => {
    const res = await fetch(`${g.url}/admin/v1/apply`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/yaml' }, body: yaml });
    expect(res.status, await res.clone().text()).toBe(200);
  };
  const client = () => new OpenAI({ baseURL: `${g.url}/v1`, apiKey: g.key, maxRetries: 0 });
  const eventOf = (id: string | null) => eventually(async () => (await usageEvents(g, 'limit=1000')).find((e) => e.requestId === id), 10_000);

  beforeAll(async () => {
    g = await startGantry({ config: EXAMPLE, env: { GANTRY_LOG_LEVEL: 'debug' } });
  }, 30_000);
  afterAll(async () => {
    await g?.stop();
  });

  it('the example policies pass `gantry policy test examples/policy`', async () => {
    const run = await runGantry(['policy', 'test', join(ROOT, 'examples/policy')], {});
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/\d+ passed, 0 failed/);
  });

  it('dry-run records would-deny while serving; enforce denies with the policy id; both leave evidence', async () => {
    await apply(policy('dry-run'));
    const served = await eventually(async () => {
      const { data, response } = await client().chat.completions.create({ model: 'sim-large', max_tokens: 5, messages: [{ role: 'user', content: 'hello' }] }).withResponse();
      const e = await eventOf(response.headers.get('x-gantry-request-id'));
      return e.policy === 'would_deny:no-large-for-default' ? { data, e } : undefined;
    });
    expect(served.e.status).toBe(200);
    const metrics = await (await fetch(`${g.url}/metrics`)).text();
    expect(metrics).toMatch(/gantry_policy_decisions_total\{[^}]*outcome="would_deny"[^}]*policy="no-large-for-default"[^}]*\} [1-9]/);

    await apply(policy('enforce'));
    const denied = await eventually(async () => {
      const res = await fetch(`${g.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${g.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sim-large', max_tokens: 5, messages: [{ role: 'user', content: 'hello again' }] }),
      });
      return res.status === 403 ? res : undefined;
    });
    const body = (await denied.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('GW_POLICY_DENIED');
    expect(body.error.message).toContain('no-large-for-default');
    expect(body.error.message).not.toContain('forbid');
    expect((await eventOf(denied.headers.get('x-gantry-request-id'))).policy).toBe('deny:no-large-for-default');
    const audit = await eventually(async () => {
      const a = (await (await fetch(`${g.url}/admin/v1/audit?limit=1000`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { items: Array<{ action: string }> };
      return a.items.find((i) => i.action === 'policy.deny');
    });
    expect(JSON.stringify(audit)).toContain('no-large-for-default');
    // The cheap model stays allowed.
    const ok = await client().chat.completions.create({ model: 'sim-small', max_tokens: 5, messages: [{ role: 'user', content: 'still fine' }] });
    expect(ok.choices[0]?.message.content?.length).toBeGreaterThan(0);
  });

  it('an email address in a prompt is redacted before it reaches the provider and appears in no log', async () => {
    const secret = 'jane.doe.e2e@example.com';
    const { data, response } = await client()
      .chat.completions.create({ model: 'sim-echo', max_tokens: 50, messages: [{ role: 'user', content: `Please write to ${secret} about the invoice.` }] })
      .withResponse();
    const echoed = data.choices[0]?.message.content ?? '';
    expect(echoed).not.toContain(secret);
    expect(echoed).toContain('[REDACTED:pii.email]');
    const e = await eventOf(response.headers.get('x-gantry-request-id'));
    expect(String(e.guardrails)).toMatch(/pii\.email:redact/);
    expect(JSON.stringify(e)).not.toContain(secret);
    expect(g.output()).not.toContain(secret);
  });
});
