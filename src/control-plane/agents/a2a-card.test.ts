import { describe, expect, it } from 'vitest';
import { type AgentExportInput, renderA2aCard, splitToolName } from './a2a-card.js';

const agent: AgentExportInput = {
  name: 'helper-bot',
  generation: 4,
  labels: { env: 'prod' },
  spec: {
    owner: 'team-a',
    sponsor: 'alice',
    description: 'Answers support questions.',
    lifecycle: 'active',
    models: ['sim-small'],
    tools: ['demo__echo', 'demo__add'],
  },
};

describe('A2A agent card', () => {
  it('carries the A2A fields: gateway URL, owner as provider, generation as version, bearer key, tools as skills', () => {
    const card = renderA2aCard(agent, { publicUrl: 'https://gantry.example.com/' });
    expect(card).toMatchObject({
      protocolVersion: '0.3.0',
      name: 'helper-bot',
      description: 'Answers support questions.',
      url: 'https://gantry.example.com/v1',
      provider: { organization: 'team-a', url: 'https://gantry.example.com' },
      version: '4',
      capabilities: { streaming: true },
      defaultInputModes: ['text/plain'],
      defaultOutputModes: ['text/plain'],
    });
    expect(card.securitySchemes.gantryApiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(card.security).toEqual([{ gantryApiKey: [] }]);
    expect(card.skills).toEqual([
      expect.objectContaining({ id: 'demo__echo', name: 'echo', tags: ['demo'] }),
      expect.objectContaining({ id: 'demo__add', name: 'add', tags: ['demo'] }),
    ]);
    expect(card.skills.every((s) => s.description.length > 0)).toBe(true);
    expect(card['x-gantry']).toEqual({
      owner: 'team-a',
      sponsor: 'alice',
      lifecycle: 'active',
      models: ['sim-small'],
      tools: ['demo__echo', 'demo__add'],
      labels: { env: 'prod' },
      mcpUrl: 'https://gantry.example.com/mcp',
    });
  });

  it('describes an agent with nothing declared: no skills, a generated description, proposed, null models and tools', () => {
    const card = renderA2aCard({ name: 'bare', generation: 1, labels: {}, spec: { owner: 'team-b' } }, { publicUrl: 'http://127.0.0.1:4000' });
    expect(card.skills).toEqual([]);
    expect(card.description).toContain('team-b');
    expect(card['x-gantry']).toMatchObject({ lifecycle: 'proposed', sponsor: null, models: null, tools: null });
    // Nothing about the key itself: a card is shareable.
    expect(JSON.stringify(card)).not.toMatch(/gk_|gat_/);
  });

  it('splits namespaced tool names at the first double underscore', () => {
    expect(splitToolName('fs__read__file')).toEqual({ server: 'fs', tool: 'read__file' });
    expect(splitToolName('plain')).toEqual({ server: undefined, tool: 'plain' });
  });
});
