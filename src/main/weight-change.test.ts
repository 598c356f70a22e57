import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFORMANCE_ADMIN_TOKEN, startInProcessGateway } from '../../test/conformance/helpers/in-process-gateway.js';
import type { RunningGateway } from './gateway.js';

/**
 * A canary moved at runtime: steady traffic to a weighted model while its weights go 100/0 → 50/50 →
 * 0/100 through the admin API. No request may fail, and x-gantry-route must follow the weights
 * (a request that started after an apply returned is served by the new weights: the apply refreshes
 * this process's snapshot before it answers).
 */
const KEY = 'gk_weight_change_0123456789abcdefghijkl';

const modelYaml = (a: number, b: number) => `apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: canary}
spec:
  pricing: {inputPer1M: "0.15", outputPer1M: "0.60"}
  deployments:
    - {name: canary-a, provider: simulator, upstreamModel: sim-small, weight: ${a}}
    - {name: canary-b, provider: simulator, upstreamModel: sim-small, weight: ${b}}
  routing: {strategy: weighted}
`;

const CONFIG = `apiVersion: gantry/v1alpha1
kind: Provider
metadata: {name: simulator}
spec: {type: simulator, instant: true}
---
${modelYaml(100, 0)}`;

interface Served {
  readonly startedAt: number;
  readonly endedAt: number;
  readonly status: number;
  readonly route: string | null;
  readonly error: string | undefined;
}

describe('changing deployment weights under load', () => {
  let gateway: RunningGateway;
  beforeAll(async () => {
    gateway = await startInProcessGateway({ config: CONFIG, key: KEY });
  });
  afterAll(() => gateway?.close());

  it('drops no request and moves traffic from the first deployment to the second', async () => {
    // A logical clock: every start, end and apply takes the next tick (ordering, not timing).
    let tick = 0;
    const served: Served[] = [];
    let running = true;
    const worker = async (w: number) => {
      for (let i = 0; running; i++) {
        const startedAt = ++tick;
        try {
          const res = await fetch(`${gateway.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'canary', max_tokens: 3, messages: [{ role: 'user', content: `hello ${w}-${i}` }] }),
          });
          const text = await res.text();
          served.push({ startedAt, endedAt: ++tick, status: res.status, route: res.headers.get('x-gantry-route'), error: res.ok ? undefined : text.slice(0, 300) });
        } catch (err) {
          served.push({ startedAt, endedAt: ++tick, status: 0, route: null, error: String(err) });
        }
      }
    };
    const waitFor = async (count: number) => {
      while (served.length < count) await new Promise((r) => setTimeout(r, 5));
    };
    const apply = async (a: number, b: number) => {
      const before = ++tick;
      const r = await fetch(`${gateway.url}/admin/v1/apply`, {
        method: 'POST',
        headers: { authorization: `Bearer ${CONFORMANCE_ADMIN_TOKEN}`, 'content-type': 'application/yaml' },
        body: modelYaml(a, b),
      });
      expect(r.status, await r.text()).toBe(200);
      return { before, after: ++tick };
    };

    const load = Promise.all([0, 1, 2, 3].map(worker));
    await waitFor(40);
    const half = await apply(50, 50);
    await waitFor(served.length + 80);
    const all = await apply(0, 100);
    await waitFor(served.length + 40);
    running = false;
    await load;

    const failed = served.filter((s) => s.status !== 200);
    expect(failed, JSON.stringify(failed.slice(0, 3))).toEqual([]);
    const routes = (from: number, to: number) => served.filter((s) => s.startedAt > from && s.endedAt < to).map((s) => s.route);
    const phase1 = routes(0, half.before);
    const phase2 = routes(half.after, all.before);
    const phase3 = routes(all.after, Number.POSITIVE_INFINITY);
    expect(phase1.length).toBeGreaterThanOrEqual(30);
    expect(new Set(phase1)).toEqual(new Set(['canary-a']));
    // 50/50 over dozens of requests: both sides (all on one side has a chance below 1e-15).
    expect(phase2.length).toBeGreaterThanOrEqual(50);
    expect(phase2.filter((r) => r === 'canary-a').length).toBeGreaterThan(0);
    expect(phase2.filter((r) => r === 'canary-b').length).toBeGreaterThan(0);
    expect(phase3.length).toBeGreaterThanOrEqual(30);
    expect(new Set(phase3)).toEqual(new Set(['canary-b']));

    // The same traffic as operators see it: the deployments endpoint and /metrics.
    const admin = await fetch(`${gateway.url}/admin/v1/deployments?model=canary`, { headers: { authorization: `Bearer ${CONFORMANCE_ADMIN_TOKEN}` } });
    const rows = ((await admin.json()) as { data: Array<{ deployment: string; weight: number; state: string; successes: number; inFlight: number }> }).data;
    const count = (d: string) => served.filter((s) => s.route === d).length;
    expect(rows).toEqual([
      expect.objectContaining({ deployment: 'canary-a', weight: 0, state: 'closed', successes: count('canary-a'), inFlight: 0 }),
      expect.objectContaining({ deployment: 'canary-b', weight: 100, state: 'closed', successes: count('canary-b'), inFlight: 0 }),
    ]);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toContain(`gantry_upstream_attempts_total{model="canary",deployment="canary-b",kind="first",result="ok"} ${count('canary-b')}`);
    expect(metrics).toContain('gantry_deployment_state{model="canary",deployment="canary-a"} 0');
  });
});
