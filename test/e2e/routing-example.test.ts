import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type RunningGantry, startGantry, usageEvents } from './helpers/processes.js';

/**
 * examples/routing/gantry.yaml as a user runs it, through the OpenAI SDK (no SDK retries, so every
 * error the gateway answers is visible): failover from a dead deployment, complexity routing with
 * measured savings on the labelled fixture set, exact and semantic cache hits at $0 that never cross
 * teams, and a sticky canary.
 */
const EXAMPLE = readFileSync(resolve(import.meta.dirname, '../../examples/routing/gantry.yaml'), 'utf8');
const FIXTURES = resolve(import.meta.dirname, '../fixtures/routing/prompts.jsonl');

interface Fixture {
  readonly id: string;
  readonly label: 'simple' | 'complex';
  readonly messages: OpenAI.ChatCompletionMessageParam[];
  readonly tools?: OpenAI.ChatCompletionTool[];
  readonly response_format?: OpenAI.ChatCompletionCreateParams['response_format'];
  readonly max_tokens?: number;
}

describe('examples/routing/gantry.yaml', () => {
  let g: RunningGantry;
  const keyOf = (name: string) => readFileSync(join(g.dataDir, 'generated-keys', `${name}.key`), 'utf8').trim();
  const client = (key: string) => new OpenAI({ baseURL: `${g.url}/v1`, apiKey: keyOf(key), maxRetries: 0 });
  const admin = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${g.url}/admin/v1${path}`, { headers: { authorization: `Bearer ${g.adminToken}` } });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  /** The usage event of one request, once the ledger has it. */
  const eventOf = (requestId: string | null) =>
    eventually(async () => (await usageEvents(g, 'limit=1000')).find((e) => e.requestId === requestId), 10_000);

  beforeAll(async () => {
    g = await startGantry({ config: EXAMPLE });
  }, 30_000);
  afterAll(async () => {
    await g?.stop();
  });

  it('model chat: with chat-primary failing every request, no request fails; chat-secondary serves and the breaker opens', async () => {
    const c = client('team-a-key');
    const ask = (i: number) => c.chat.completions.create({ model: 'chat', max_tokens: 8, messages: [{ role: 'user', content: `failover ${i}` }] }).withResponse();
    const sequential = [];
    for (let i = 0; i < 10; i++) sequential.push(await ask(i));
    const concurrent = await Promise.all(Array.from({ length: 30 }, (_, i) => ask(100 + i)));
    for (const { response, data } of [...sequential, ...concurrent]) {
      expect(response.status).toBe(200);
      expect(response.headers.get('x-gantry-route')).toBe('chat-secondary');
      expect(data.choices[0]?.message.content?.length).toBeGreaterThan(0);
    }
    // Streams fail over too (before their first byte).
    for (let i = 0; i < 3; i++) {
      const { data: stream, response } = await c.chat.completions.create({ model: 'chat', max_tokens: 8, stream: true, messages: [{ role: 'user', content: `stream ${i}` }] }).withResponse();
      expect(response.headers.get('x-gantry-route')).toBe('chat-secondary');
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      expect(text.length).toBeGreaterThan(0);
    }
    // The first request tried chat-primary (and retried it) before failing over; once the breaker is
    // open, requests go straight to chat-secondary.
    const first = await eventOf(sequential[0]?.response.headers.get('x-gantry-request-id') ?? null);
    expect(first).toMatchObject({ model: 'chat', route: 'chat-secondary', status: 200 });
    expect(Number(first.attempts)).toBeGreaterThanOrEqual(2);
    const last = await eventOf(sequential[9]?.response.headers.get('x-gantry-request-id') ?? null);
    expect(last.attempts).toBe(1);
    const health = await admin<{ data: Array<{ model: string; deployment: string; state: string }> }>('/deployments?model=chat');
    expect(health.data.find((d) => d.deployment === 'chat-primary')?.state).toBe('open');
    expect(health.data.find((d) => d.deployment === 'chat-secondary')?.state).toBe('closed');
  }, 60_000);

  it('route auto: the labelled fixture prompts are routed by complexity, with measured savings against sim-large', async () => {
    const fixtures = readFileSync(FIXTURES, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Fixture);
    expect(fixtures.length).toBeGreaterThanOrEqual(50);
    const c = client('team-b-key');
    let correct = 0;
    const ids: string[] = [];
    // In batches: the simulator takes its time (sim-large about 2 s per answer).
    for (let i = 0; i < fixtures.length; i += 16) {
      await Promise.all(
        fixtures.slice(i, i + 16).map(async (f) => {
          const { response } = await c.chat.completions
            .create({ model: 'auto', messages: f.messages, max_tokens: f.max_tokens ?? 64, ...(f.tools ? { tools: f.tools } : {}), ...(f.response_format ? { response_format: f.response_format } : {}) })
            .withResponse();
          const served = response.headers.get('x-gantry-route') ?? '';
          if (served.endsWith(f.label === 'complex' ? 'sim-large' : 'sim-small')) correct++;
          ids.push(response.headers.get('x-gantry-request-id') ?? '');
        }),
      );
    }
    // The router is a heuristic: it must be clearly better than always picking one tier.
    const simple = fixtures.filter((f) => f.label === 'simple').length;
    expect(correct / fixtures.length).toBeGreaterThan(Math.max(simple, fixtures.length - simple) / fixtures.length);

    const events = await eventually(async () => {
      const all = (await usageEvents(g, 'limit=1000')).filter((e) => ids.includes(String(e.requestId)));
      return all.length === ids.length ? all : undefined;
    }, 10_000);
    for (const e of events) {
      expect(e.model).toBe('auto');
      expect(['sim-small', 'sim-large']).toContain(e.servedModel);
      expect(String(e.routeReason)).toMatch(/^(rule|complexity|default)/);
    }
    const cheap = events.filter((e) => e.servedModel === 'sim-small');
    expect(cheap.length).toBeGreaterThan(0);
    for (const e of cheap) expect(Number(e.savingsMicros)).toBeGreaterThan(0);
    for (const e of events.filter((x) => x.servedModel === 'sim-large')) expect(e.savingsMicros).toBe(0);
    const saved = events.reduce((s, e) => s + Number(e.savingsMicros), 0);
    const usage = await eventually(async () => {
      const u = await admin<{ rows: Array<{ team: string; model: string; savingsMicros: number; requests: number }> }>('/usage?groupBy=team,model');
      const row = u.rows.find((r) => r.team === 'team-b' && r.model === 'auto');
      return row?.requests === events.length ? row : undefined;
    }, 10_000);
    expect(usage.savingsMicros).toBe(saved);
  }, 120_000);

  it('exact cache: a repeat by the same team is a hit at $0 with the saving recorded; another team misses; a stream replays it', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'List three colours of the rainbow.' }];
    const a = client('team-a-key');
    const first = await a.chat.completions.create({ model: 'sim-small', max_tokens: 30, messages }).withResponse();
    expect(first.response.headers.get('x-gantry-cache')).toBe('miss');
    const firstCost = first.response.headers.get('x-gantry-cost-usd');
    expect(Number(firstCost)).toBeGreaterThan(0);
    const again = await a.chat.completions.create({ model: 'sim-small', max_tokens: 30, messages }).withResponse();
    expect(again.response.headers.get('x-gantry-cache')).toBe('hit');
    expect(again.response.headers.get('x-gantry-cost-usd')).toBe('0.000000');
    expect(again.response.headers.get('x-gantry-route')).toBeNull(); // no deployment served it
    expect(again.data.choices[0]?.message.content).toBe(first.data.choices[0]?.message.content);

    const other = await client('team-b-key').chat.completions.create({ model: 'sim-small', max_tokens: 30, messages }).withResponse();
    expect(other.response.headers.get('x-gantry-cache')).toBe('miss');

    const { data: stream, response } = await a.chat.completions.create({ model: 'sim-small', max_tokens: 30, messages, stream: true, stream_options: { include_usage: true } }).withResponse();
    expect(response.headers.get('x-gantry-cache')).toBe('hit');
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(first.data.choices[0]?.message.content);

    const hit = await eventOf(again.response.headers.get('x-gantry-request-id'));
    const miss = await eventOf(first.response.headers.get('x-gantry-request-id'));
    expect(hit).toMatchObject({ cache: 'hit', costMicros: 0, team: 'team-a' });
    expect(hit.savingsMicros).toBe(miss.costMicros);
    expect((await eventOf(other.response.headers.get('x-gantry-request-id'))).cache).toBe('miss');
    // The usage API counts the hits (the hit rate of a group is cacheHits / requests).
    const rows = await eventually(async () => {
      const u = await admin<{ rows: Array<{ team: string; cacheHits: number; requests: number }> }>('/usage?groupBy=team&model=sim-small');
      return u.rows.reduce((n, r) => n + r.requests, 0) === 4 ? u.rows : undefined;
    }, 10_000);
    expect(rows.find((r) => r.team === 'team-a')).toMatchObject({ requests: 3, cacheHits: 2 });
    expect(rows.find((r) => r.team === 'team-b')).toMatchObject({ requests: 1, cacheHits: 0 });
  });

  it('semantic cache: a paraphrase by the same team is answered from the cache; another team is not', async () => {
    const ask = (key: string, content: string) => client(key).chat.completions.create({ model: 'faq', temperature: 0, max_tokens: 20, messages: [{ role: 'user', content }] }).withResponse();
    const first = await ask('team-a-key', 'What is the capital of France?');
    expect(first.response.headers.get('x-gantry-cache')).toBe('miss');
    await eventOf(first.response.headers.get('x-gantry-request-id'));
    const para = await ask('team-a-key', 'what is the capital of france');
    expect(para.response.headers.get('x-gantry-cache')).toBe('hit');
    expect(para.data.choices[0]?.message.content).toBe(first.data.choices[0]?.message.content);
    expect((await eventOf(para.response.headers.get('x-gantry-request-id'))).cache).toBe('semantic_hit');
    const other = await ask('team-b-key', 'what is the capital of france');
    expect(other.response.headers.get('x-gantry-cache')).toBe('miss');
    const unrelated = await ask('team-a-key', 'How do I rotate an API key?');
    expect(unrelated.response.headers.get('x-gantry-cache')).toBe('miss');
  });

  it('canary: assistant splits runs about 90/10 and a run always stays on its deployment', async () => {
    const c = client('team-a-key');
    const byRun = new Map<string, Set<string>>();
    const turn = async (r: number, i: number) => {
      const { response } = await c.chat.completions
        .create({ model: 'assistant', max_tokens: 4, messages: [{ role: 'user', content: `run ${r} turn ${i}` }] }, { headers: { 'x-gantry-run': `run-${r}` } })
        .withResponse();
      const set = byRun.get(`run-${r}`) ?? new Set<string>();
      set.add(response.headers.get('x-gantry-route') ?? '');
      byRun.set(`run-${r}`, set);
    };
    // 25 runs at a time, each run's two turns one after the other.
    for (let r = 0; r < 100; r += 25) {
      await Promise.all(Array.from({ length: 25 }, async (_, k) => {
        await turn(r + k, 0);
        await turn(r + k, 1);
      }));
    }
    for (const routes of byRun.values()) expect(routes.size).toBe(1);
    const v2 = [...byRun.values()].filter((s) => s.has('assistant-v2')).length;
    // 10% of 100 runs: a binomial count far outside 2..22 would mean the weights are not applied.
    expect(v2).toBeGreaterThanOrEqual(2);
    expect(v2).toBeLessThanOrEqual(22);
  }, 120_000);
});
