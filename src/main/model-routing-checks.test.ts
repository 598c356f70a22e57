import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessControlPlane, startControlPlane, TEST_ADMIN_TOKEN as ADMIN } from '../../test/helpers/control-plane.js';

/**
 * Model cross-checks for what routing reads from other Models: a fallback or an embedding model of
 * the wrong type, or a Model a Route picks turned into an embedding model, would apply and then be
 * silently skipped (or leave the Route out) at request time.
 */
const H = 'apiVersion: gantry/v1alpha1\n';
const doc = (text: string) => H + text;
const BASE = [
  'kind: Provider\nmetadata: {name: sim}\nspec: {type: simulator}',
  'kind: Model\nmetadata: {name: small}\nspec: {provider: sim, upstreamModel: sim-small, pricing: {inputPer1M: "0.15", outputPer1M: "0.60"}}',
  'kind: Model\nmetadata: {name: large}\nspec: {provider: sim, upstreamModel: sim-large, pricing: {inputPer1M: "2.50", outputPer1M: "10.00"}}',
  'kind: Model\nmetadata: {name: embed}\nspec: {type: embedding, provider: sim, upstreamModel: sim-embed, pricing: {inputPer1M: "0.02"}}',
  'kind: Route\nmetadata: {name: auto}\nspec: {complexity: {simple: small, complex: large}}',
]
  .map(doc)
  .join('\n---\n');

let cp: InProcessControlPlane;
beforeAll(async () => {
  cp = await startControlPlane();
  const r = await cp.call('POST', '/apply', ADMIN, BASE);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
});
afterAll(() => cp.close());

const details = (r: { body: { error?: { details?: { path: string; message: string }[] } } }) => r.body.error?.details ?? [];

describe('Model cross-checks for routing', () => {
  it('refuses a fallback model of another type, or the model itself', async () => {
    const wrong = await cp.call('POST', '/apply', ADMIN, doc('kind: Model\nmetadata: {name: chat2}\nspec: {provider: sim, upstreamModel: sim-small, pricing: {free: true}, routing: {fallbacks: [small, embed, chat2]}}\n'));
    expect(wrong.status).toBe(400);
    expect(details(wrong).map((d) => d.path)).toEqual(['spec.routing.fallbacks[1]', 'spec.routing.fallbacks[2]']);
    expect(details(wrong)[0]?.message).toContain('embedding model');
  });

  it('refuses a semantic cache whose embedding model is a chat model', async () => {
    const r = await cp.call('POST', '/apply', ADMIN, doc('kind: Model\nmetadata: {name: chat3}\nspec: {provider: sim, upstreamModel: sim-small, pricing: {free: true}, cache: {semantic: {embeddingModel: large}}}\n'));
    expect(r.status).toBe(400);
    expect(details(r)).toMatchObject([{ path: 'spec.cache.semantic.embeddingModel', message: expect.stringContaining('not an embedding model') }]);
    const ok = await cp.call('POST', '/apply', ADMIN, doc('kind: Model\nmetadata: {name: chat3}\nspec: {provider: sim, upstreamModel: sim-small, pricing: {free: true}, cache: {semantic: {embeddingModel: embed}}}\n'));
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
  });

  it('refuses turning a Model a Route picks into an embedding model (the Route would be left out)', async () => {
    const r = await cp.call('POST', '/apply', ADMIN, doc('kind: Model\nmetadata: {name: small}\nspec: {type: embedding, provider: sim, upstreamModel: sim-embed, pricing: {inputPer1M: "0.02"}}\n'));
    expect(r.status).toBe(400);
    expect(details(r)).toMatchObject([{ path: 'spec.type', message: expect.stringContaining('Route "auto"') }]);
  });
});
