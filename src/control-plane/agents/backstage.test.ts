import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { backstageName, renderBackstageEntity, toBackstageYaml } from './backstage.js';

const base = { name: 'helper-bot', generation: 2, labels: { env: 'prod', 'app.kubernetes.io/part-of': 'support', 'a/b/c': 'x' } };

describe('Backstage export', () => {
  it('renders a Component of type ai-agent owned by the team group, depending on its models', () => {
    const e = renderBackstageEntity(
      { ...base, spec: { owner: 'team-a', sponsor: 'alice', description: 'Support', lifecycle: 'active', models: ['sim-small', 'openai/gpt-4o'], tools: ['demo__echo'] } },
      { publicUrl: 'https://gantry.example.com' },
    );
    expect(e).toMatchObject({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'helper-bot', description: 'Support', tags: ['ai-agent', 'gantry'] },
      spec: { type: 'ai-agent', lifecycle: 'production', owner: 'group:default/team-a', dependsOn: ['resource:default/sim-small', 'resource:default/openai-gpt-4o'] },
    });
    expect(e.metadata.annotations).toEqual({
      'gantry.dev/agent': 'helper-bot',
      'gantry.dev/owner-team': 'team-a',
      'gantry.dev/lifecycle': 'active',
      'gantry.dev/sponsor': 'alice',
      'gantry.dev/models': 'sim-small,openai/gpt-4o',
      'gantry.dev/tools': 'demo__echo',
    });
    // A key with two slashes is not a Backstage label key: left out rather than rejected by the catalog.
    expect(e.metadata.labels).toEqual({ env: 'prod', 'app.kubernetes.io/part-of': 'support' });
    expect(e.metadata.links[0]?.url).toBe('https://gantry.example.com/v1');
  });

  it('maps every lifecycle state', () => {
    const lifecycle = (l: 'proposed' | 'approved' | 'active' | 'suspended' | 'deprecated' | 'retired') =>
      renderBackstageEntity({ ...base, spec: { owner: 't', lifecycle: l } }, { publicUrl: 'http://x' }).spec.lifecycle;
    expect(['proposed', 'approved', 'active', 'suspended', 'deprecated', 'retired'].map((l) => lifecycle(l as never))).toEqual([
      'experimental',
      'experimental',
      'production',
      'experimental',
      'deprecated',
      'deprecated',
    ]);
    expect(renderBackstageEntity({ ...base, spec: { owner: 't' } }, { publicUrl: 'http://x' }).spec).not.toHaveProperty('dependsOn');
  });

  it('makes names Backstage accepts', () => {
    expect(backstageName('bedrock:anthropic.claude/v2')).toBe('bedrock-anthropic.claude-v2');
    expect(backstageName('--a__b--')).toBe('a_b');
    expect(backstageName('x'.repeat(80))).toHaveLength(63);
    expect(backstageName('///')).toBe('unnamed');
  });

  it('writes multi-document YAML that parses back to the entities', () => {
    const entities = ['a', 'b'].map((name) => renderBackstageEntity({ name, generation: 1, labels: {}, spec: { owner: 'team-a' } }, { publicUrl: 'http://x' }));
    const docs = parseAllDocuments(toBackstageYaml(entities));
    expect(docs.map((d) => d.toJS())).toEqual(JSON.parse(JSON.stringify(entities)));
  });
});
