import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, DEMO_KEY, eventually, type RunningGantry, startGantry, usageEvents } from './helpers/processes.js';

/**
 * Degradation policies against a real gateway process, changed at run time through the admin API:
 * a model whose only deployment dies serves its (expired) cached answers (whenAllDown: cache), and
 * a model without that policy answers 503 GW_NO_HEALTHY_DEPLOYMENT with retry-after once its
 * breaker is open.
 */
const provider = `apiVersion: gantry/v1alpha1
kind: Provider
metadata: {name: simulator}
spec: {type: simulator, instant: true}
`;
const model = (name: string, extra: string) => `---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: ${name}}
spec:
  provider: simulator
  upstreamModel: sim-small
  pricing: {inputPer1M: "0.15", outputPer1M: "0.60"}
${extra}`;
const healthy = (name: string, whenAllDown: string) =>
  model(name, `  cache: {exact: {ttlSeconds: 1}, staleSeconds: 600}\n  routing: {whenAllDown: ${whenAllDown}, retries: {attempts: 0}, breaker: {failures: 1, cooldownMs: 60000}}\n`);
const dead = (name: string, whenAllDown: string) => `${healthy(name, whenAllDown)}  faults: {errorRate: 1, errorStatus: 503}\n`;

describe('degradation when every deployment is down', () => {
  let g: RunningGantry;
  const apply = async (yaml: string) => {
    const res = await fetch(`${g.url}/admin/v1/apply`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/yaml' }, body: yaml });
    expect(res.status, await res.clone().text()).toBe(200);
  };
  const ask = (modelName: string, content: string) =>
    fetch(`${g.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEMO_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: modelName, max_tokens: 10, messages: [{ role: 'user', content }] }),
    });

  beforeAll(async () => {
    g = await startGantry({ config: provider + healthy('kb', 'cache') + healthy('plain', 'error') });
  }, 30_000);
  afterAll(async () => {
    await g?.stop();
  });

  it('whenAllDown: cache serves an expired cached answer while the model is down, and says so', async () => {
    const first = await ask('kb', 'What are our support hours?');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-gantry-cache')).toBe('miss');
    const answer = ((await first.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content;
    await new Promise((r) => setTimeout(r, 1_200)); // past ttlSeconds: only a stale entry is left
    await apply(provider + dead('kb', 'cache'));
    await eventually(async () => ((await ask('kb', 'snapshot probe')).status === 200 ? undefined : true));

    const degraded = await ask('kb', 'What are our support hours?');
    expect(degraded.status).toBe(200);
    expect(degraded.headers.get('x-gantry-cache')).toBe('hit');
    expect(((await degraded.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content).toBe(answer);
    const id = degraded.headers.get('x-gantry-request-id');
    const event = await eventually(async () => (await usageEvents(g, 'limit=1000')).find((e) => e.requestId === id));
    expect(event).toMatchObject({ cache: 'stale_hit', costMicros: 0 });

    // A question never answered before has nothing to fall back on: the upstream's failure goes out.
    const unknown = await ask('kb', 'Something nobody asked before');
    expect(unknown.status).toBeGreaterThanOrEqual(500);
  });

  it('whenAllDown: error answers 503 GW_NO_HEALTHY_DEPLOYMENT with retry-after once the breaker is open', async () => {
    await apply(provider + dead('plain', 'error'));
    // The first failure opens the breaker (failures: 1); from then on the gateway does not call the upstream.
    const opened = await eventually(async () => {
      const res = await ask('plain', 'hello');
      return res.status === 503 && ((await res.json()) as { error: { code: string } }).error.code === 'GW_NO_HEALTHY_DEPLOYMENT' ? res : undefined;
    });
    expect(Number(opened.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(opened.headers.get('retry-after'))).toBeLessThanOrEqual(60);
  });
});
