import { describe, expect, it } from 'vitest';
import { parseResourceText } from './parse.js';
import { createValidator } from './validate.js';

const validate = createValidator();
const H = 'apiVersion: gantry/v1alpha1\n';

function check(text: string) {
  const parsed = parseResourceText(text);
  const { valid, problems } = validate(parsed.docs);
  return { valid, problems: [...parsed.problems, ...problems] };
}
const budget = (spec: string) => check(`${H}kind: Budget\nmetadata: {name: b}\nspec:\n${spec}`);
const rateLimit = (spec: string) => check(`${H}kind: RateLimit\nmetadata: {name: r}\nspec: ${spec}\n`);
const paths = (r: { problems: { path: string }[] }) => r.problems.map((p) => p.path);

describe('Budget', () => {
  it('accepts the example of the issue exactly as written', () => {
    const { valid, problems } = check(`apiVersion: gantry/v1alpha1
kind: Budget
metadata: {name: team-a-monthly}
spec:
  scope: {team: team-a}
  window: monthly
  limitUsd: "50.00"
  enforcement: hard
  alerts: [50, 80, 100]
`);
    expect(problems).toEqual([]);
    expect(valid[0]).toMatchObject({ kind: 'Budget', name: 'team-a-monthly', spec: { scope: { team: 'team-a' }, limitUsd: '50.00', alerts: [50, 80, 100] } });
  });

  it('accepts every scope field, per run, soft enforcement and an open fail mode', () => {
    const r = budget(
      '  scope: {team: t, agent: a, apiKey: k, user: u, workflow: "triage/v2", model: gpt-4o, tags: {repo: web}}\n  per: run\n  window: total\n  limitUsd: "0.05"\n  enforcement: soft\n  failMode: open\n',
    );
    expect(r.problems).toEqual([]);
  });

  it('refuses alerts that are not ascending or repeat, naming the entry', () => {
    const r = budget('  scope: {team: t}\n  window: daily\n  limitUsd: "1"\n  alerts: [80, 50, 100]\n');
    expect(paths(r)).toEqual(['spec.alerts[1]']);
    expect(r.problems[0]?.message).toContain('ascending');
    expect(paths(budget('  scope: {}\n  window: daily\n  limitUsd: "1"\n  alerts: [50, 50]\n'))).toEqual(['spec.alerts[1]']);
    expect(paths(budget('  scope: {}\n  window: daily\n  limitUsd: "1"\n  alerts: [0, 1001]\n'))).toEqual(['spec.alerts[0]', 'spec.alerts[1]']);
  });

  it('refuses a zero limit, a number instead of a string, and an unknown window', () => {
    const zero = budget('  scope: {team: t}\n  window: monthly\n  limitUsd: "0"\n');
    expect(zero.problems).toEqual([expect.objectContaining({ path: 'spec.limitUsd', message: expect.stringContaining('more than 0') })]);
    expect(paths(budget('  scope: {team: t}\n  window: monthly\n  limitUsd: 50\n'))).toEqual(['spec.limitUsd']);
    expect(paths(budget('  scope: {team: t}\n  window: yearly\n  limitUsd: "5"\n'))).toEqual(['spec.window']);
  });

  it('refuses an unknown scope field and a missing scope or window', () => {
    const r = budget('  scope: {team: t, project: x}\n  window: monthly\n  limitUsd: "5"\n');
    expect(r.problems).toEqual([expect.objectContaining({ path: 'spec.scope.project', message: expect.stringContaining('unknown field') })]);
    expect(paths(budget('  limitUsd: "5"\n')).sort()).toEqual(['spec.scope', 'spec.window']);
  });
});

describe('RateLimit', () => {
  it('accepts a per-key request limit with tokens and concurrency', () => {
    expect(rateLimit('{scope: {team: team-b}, per: apiKey, requestsPerMinute: 5, tokensPerMinute: 10000, concurrent: 2, failMode: closed}').problems).toEqual([]);
  });

  it('refuses a rate limit without any limit, and limits that are not positive integers', () => {
    const none = rateLimit('{scope: {team: team-b}}');
    expect(none.problems).toEqual([expect.objectContaining({ path: 'spec', message: expect.stringContaining('requestsPerMinute, tokensPerMinute or concurrent') })]);
    expect(paths(rateLimit('{scope: {}, requestsPerMinute: 0, concurrent: 1.5}')).sort()).toEqual(['spec.concurrent', 'spec.requestsPerMinute']);
    expect(paths(rateLimit('{scope: {}, per: workflow, concurrent: 1}'))).toEqual(['spec.per']);
  });
});

describe('PriceBook and GpuPool', () => {
  it('accepts a price book and refuses the same model twice', () => {
    const ok = check(`${H}kind: PriceBook\nmetadata: {name: acme}\nspec: {version: "2026-11", priority: 10, prices: [{model: gpt-4o, inputPer1M: "2.00", outputPer1M: "8.00"}, {model: text-embedding-3-small, inputPer1M: "0.01"}]}\n`);
    expect(ok.problems).toEqual([]);
    const dup = check(`${H}kind: PriceBook\nmetadata: {name: acme}\nspec: {prices: [{model: a, inputPer1M: "1"}, {model: a, inputPer1M: "2"}]}\n`);
    expect(dup.problems).toEqual([expect.objectContaining({ path: 'spec.prices[1].model', message: expect.stringContaining('spec.prices[0]') })]);
    expect(paths(check(`${H}kind: PriceBook\nmetadata: {name: acme}\nspec: {prices: [{model: a, inputPer1M: 1, outputPer1m: "2"}]}\n`)).sort()).toEqual([
      'spec.prices[0].inputPer1M',
      'spec.prices[0].outputPer1m',
    ]);
  });

  it('accepts a GPU pool and refuses zero cost, zero throughput and utilisation above 1', () => {
    expect(check(`${H}kind: GpuPool\nmetadata: {name: h100-a}\nspec: {gpuType: H100, gpus: 1, costPerGpuHourUsd: "2.50", tokensPerSecond: 2500}\n`).problems).toEqual([]);
    const bad = check(`${H}kind: GpuPool\nmetadata: {name: p}\nspec: {gpus: 0, costPerGpuHourUsd: "2.50", tokensPerSecond: 0, targetUtilization: 1.2}\n`);
    expect(paths(bad).sort()).toEqual(['spec.gpus', 'spec.targetUtilization', 'spec.tokensPerSecond']);
    expect(paths(check(`${H}kind: GpuPool\nmetadata: {name: p}\nspec: {gpus: 1, costPerGpuHourUsd: "0", tokensPerSecond: 10}\n`))).toEqual(['spec.costPerGpuHourUsd']);
  });

  it('accepts Model gpuPool and limits, refusing an output limit above the context window', () => {
    const model = (extra: string) => check(`${H}kind: Model\nmetadata: {name: llama}\nspec: {provider: vllm, ${extra}}\n`);
    expect(model('gpuPool: h100-a, limits: {maxOutputTokens: 2048, contextWindow: 8192}').problems).toEqual([]);
    expect(paths(model('limits: {maxOutputTokens: 9000, contextWindow: 8192}'))).toEqual(['spec.limits.maxOutputTokens']);
    expect(paths(model('limits: {maxTokens: 10}'))).toEqual(['spec.limits.maxTokens']);
  });
});
