import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type RunningGantry, startGantry, startSimulator, usageEvents } from './helpers/processes.js';

// The Anthropic SDK against Gantry whose model is served by an OpenAI-compatible upstream over real
// HTTP (the standalone simulator, as vLLM or Ollama would be): /v1/messages → chat → HTTP → back.
let sim: Awaited<ReturnType<typeof startSimulator>>;
let g: RunningGantry;
let client: Anthropic;

const weatherTool = {
  name: 'get_weather',
  description: 'Get the current weather for a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
};

beforeAll(async () => {
  sim = await startSimulator(['--instant']);
  g = await startGantry({
    config: `
apiVersion: gantry/v1alpha1
kind: Provider
metadata: {name: vllm}
spec: {type: openai-compatible, baseUrl: {fromEnv: E2E_UPSTREAM}}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: llama-local}
spec: {provider: vllm, upstreamModel: sim-large, pricing: {inputPer1M: "0.20", outputPer1M: "0.80"}}
`,
    env: { E2E_UPSTREAM: `${sim.url}/v1` },
  });
  client = new Anthropic({ baseURL: g.url, apiKey: g.key, maxRetries: 0 });
});
afterAll(async () => {
  await g?.stop();
  await sim?.stop();
});

describe('Anthropic SDK → Gantry → OpenAI-compatible upstream', () => {
  it('non-stream and stream answers, metered with the upstream-reported usage', async () => {
    const { data, response } = await client.messages
      .create({ model: 'llama-local', max_tokens: 300, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello there' }] })
      .withResponse();
    expect(data.stop_reason).toBe('end_turn');
    expect(data.content[0]).toMatchObject({ type: 'text' });
    expect(response.headers.get('x-gantry-route')).toBe('vllm/sim-large');
    const event = await eventually(async () => (await usageEvents(g, `requestId=${response.headers.get('x-gantry-request-id')}`))[0]);
    expect(event).toMatchObject({ endpoint: 'messages', usageEstimated: false, inputTokens: data.usage.input_tokens, outputTokens: data.usage.output_tokens });
    expect(event.costMicros as number).toBeGreaterThan(0);

    const streamed = await client.messages
      .stream({ model: 'llama-local', max_tokens: 300, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello there' }] })
      .finalMessage();
    expect(streamed.content).toEqual(data.content);
    expect(streamed.usage.output_tokens).toBe(data.usage.output_tokens);
  });

  it('tool use round trip, streamed and not', async () => {
    const question = { role: 'user' as const, content: 'What is the weather in Oslo?' };
    const first = await client.messages.create({ model: 'llama-local', max_tokens: 300, tools: [weatherTool], messages: [question] });
    expect(first.stop_reason).toBe('tool_use');
    const call = first.content.find((b) => b.type === 'tool_use') as { id: string; input: { city: string } };
    expect(call.input.city).toBe('Oslo');
    const streamed = await client.messages.stream({ model: 'llama-local', max_tokens: 300, tools: [weatherTool], messages: [question] }).finalMessage();
    expect(streamed.content.find((b) => b.type === 'tool_use')).toEqual(call);

    const second = await client.messages.create({
      model: 'llama-local',
      max_tokens: 300,
      tools: [weatherTool],
      messages: [
        question,
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '3°C, snow' }] },
      ],
    });
    expect(second.stop_reason).toBe('end_turn');
    expect((second.content.find((b) => b.type === 'text') as { text: string }).text).toContain('3°C, snow');
  });
});
