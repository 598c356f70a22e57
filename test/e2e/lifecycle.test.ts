import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readThenDisconnect } from './helpers/abort-stream.js';
import { eventually, runGantry, startGantry, startSimulator, usageEvents } from './helpers/processes.js';

const slowConfig = `
apiVersion: gantry/v1alpha1
kind: Provider
metadata: {name: sim}
spec: {type: simulator}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: paced}
spec:
  provider: sim
  upstreamModel: sim-small
  pricing: {inputPer1M: "1.00", outputPer1M: "2.00"}
  faults: {ttftMs: 10, tokensPerSecond: 40}
`;

describe('process lifecycle', () => {
  it('a client abort mid-stream still leaves a partial usage row in the ledger', async () => {
    const g = await startGantry({ config: slowConfig });
    try {
      const { requestId, status } = await readThenDisconnect({
        url: `${g.url}/v1/chat/completions`,
        headers: { authorization: `Bearer ${g.key}` },
        body: { model: 'paced', stream: true, max_tokens: 400, messages: [{ role: 'user', content: 'tell me a very long story' }] },
        pattern: /data: \{/,
        count: 4,
      });
      expect(status).toBe(200);
      const event = await eventually(async () => (await usageEvents(g, `requestId=${requestId}`))[0]);
      expect(event).toMatchObject({ outcome: 'client_aborted', stream: true, usageEstimated: true, status: 200 });
      expect(event.outputTokens as number).toBeGreaterThan(0);
      expect(event.outputTokens as number).toBeLessThan(400);
      expect(event.costMicros as number).toBeGreaterThan(0);
      // Gantry stays healthy.
      expect((await fetch(`${g.url}/healthz`)).status).toBe(200);
    } finally {
      await g.stop();
    }
  });

  it('SIGTERM drains an in-flight stream and flushes its usage before exit', async () => {
    const g = await startGantry({ config: slowConfig });
    const res = await fetch(`${g.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${g.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'paced', stream: true, max_tokens: 30, messages: [{ role: 'user', content: 'short' }] }),
    });
    const requestId = res.headers.get('x-gantry-request-id');
    const exit = g.stop('SIGTERM');
    const body = await res.text();
    expect(body.trim().endsWith('data: [DONE]')).toBe(true);
    expect(await exit).toBe(0);
    const db = new Database(join(g.dataDir, 'gantry.db'), { readonly: true });
    const row = db.prepare('SELECT outcome, output_tokens FROM usage_events WHERE request_id = ?').get(requestId) as
      | { outcome: string; output_tokens: number }
      | undefined;
    db.close();
    expect(row?.outcome).toBe('completed');
    expect(row?.output_tokens).toBeGreaterThan(0);
  });

  it('refuses to start on an invalid gantry.yaml, naming the document and field', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'gantry-bad-'));
    const path = join(dir, 'gantry.yaml');
    writeFileSync(
      path,
      'apiVersion: gantry/v1alpha1\nkind: Model\nmetadata: {name: m}\nspec: {provider: ghost, pricing: {inputPer1M: 1}}\n',
    );
    const { code, output } = await runGantry(['start'], { GANTRY_CONFIG: path, GANTRY_DATA_DIR: dir, GANTRY_PORT: '0' });
    expect(code).toBe(1);
    expect(output).toContain('document 1 (Model "m")');
    expect(output).toContain('spec.pricing.inputPer1M');
  });

  it('serves an OpenAI-compatible upstream over HTTP (the standalone simulator)', async () => {
    const sim = await startSimulator(['--instant']);
    const g = await startGantry({
      config: `
apiVersion: gantry/v1alpha1
kind: Provider
metadata: {name: upstream}
spec: {type: openai-compatible, baseUrl: {fromEnv: E2E_UPSTREAM}, apiKey: {fromEnv: E2E_UPSTREAM_KEY}}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: gpt-4o-mini}
spec: {provider: upstream, upstreamModel: sim-small, pricing: {inputPer1M: "0.15", outputPer1M: "0.60"}}
`,
      env: { E2E_UPSTREAM: `${sim.url}/v1`, E2E_UPSTREAM_KEY: 'sk-upstream-secret' },
    });
    try {
      const res = await fetch(`${g.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${g.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: '/echo via http' }] }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-gantry-route')).toBe('upstream/sim-small');
      const body = (await res.json()) as { choices: { message: { content: string } }[]; usage: { prompt_tokens: number } };
      expect(JSON.parse(body.choices[0]!.message.content)).toEqual([{ role: 'user', content: '/echo via http' }]);
      expect(body.usage.prompt_tokens).toBeGreaterThan(0);
      // The gateway key never travels upstream, and the upstream secret never reaches logs or responses.
      expect(JSON.stringify(body)).not.toContain('sk-upstream-secret');
      expect(g.output()).not.toContain('sk-upstream-secret');
      expect(g.output()).not.toContain(g.key);
    } finally {
      await g.stop();
      await sim.stop();
    }
  });
});
