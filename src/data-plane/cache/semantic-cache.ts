import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import { costMicros } from '../../kernel/money.js';
import { loadTokenizer } from '../../kernel/tokens.js';
import type { ChatCompletionRequest, EmbeddingResponse } from '../../kernel/wire/openai.js';
import type { SemanticIndex } from '../../storage/ports/semantic-index.js';
import type { RequestContext } from '../context.js';
import type { CompiledDeployment } from '../snapshot.js';
import type { SemanticLayer, SemanticProbe } from './semantic-layer.js';
import { semanticEligible, splitForSemantic } from './semantic-text.js';

export interface SemanticLayerDeps {
  readonly index: SemanticIndex;
  readonly clock: Pick<Clock, 'now' | 'monotonic'>;
  readonly logger: Logger;
}

/** Where a probe's vector goes when its answer is stored. */
interface ProbeHome {
  readonly namespace: string;
  readonly index: string;
  readonly ttlMs: number;
}

const WARN_EVERY_MS = 10_000;

/** The vector of the first embedding, whichever encoding the provider answered in. */
function firstVector(response: EmbeddingResponse): Float32Array | undefined {
  const embedding = response.data?.[0]?.embedding;
  if (Array.isArray(embedding)) return embedding.length > 0 ? Float32Array.from(embedding) : undefined;
  if (typeof embedding === 'string') {
    const bytes = Buffer.from(embedding, 'base64');
    return bytes.length >= 4 ? new Float32Array(Uint8Array.from(bytes).buffer, 0, Math.floor(bytes.length / 4)) : undefined;
  }
  return undefined;
}

/**
 * The semantic cache (docs/caching.md#semantic): embeds the last user message with the model's
 * embedding model, pays for it (ctx.extraCostMicros, at the embedding deployment's price) and finds
 * the most similar stored prompt of the same namespace, model, embedding deployment and exact context
 * at or above the model's threshold. An embedding or index failure is a miss (logged at most every
 * 10 s), never a failed request.
 */
export function createSemanticLayer({ index, clock, logger }: SemanticLayerDeps): SemanticLayer {
  const homes = new WeakMap<SemanticProbe, ProbeHome>();
  let lastWarn = Number.NEGATIVE_INFINITY;

  function warn(fields: object, message: string): void {
    const at = clock.monotonic();
    if (at - lastWarn < WARN_EVERY_MS) return;
    lastWarn = at;
    logger.warn({ ...fields, semanticIndex: index.kind }, `${message}; those requests use the exact cache only meanwhile (this warning repeats at most every 10 s)`);
  }

  /** The embedding model's first deployment, if it is one that can be called and priced. */
  function embeddingDeployment(ctx: RequestContext, name: string): CompiledDeployment | undefined {
    const model = ctx.snapshot.models.get(name);
    const deployment = model?.type === 'embedding' ? model.deployments[0] : undefined;
    if (!deployment) {
      warn({ model: ctx.model?.name, embeddingModel: name }, `the semantic cache's embedding model "${name}" is not an embedding Model with a deployment`);
      return undefined;
    }
    if (!deployment.pricing) {
      // Unpriced calls are refused everywhere else (GW_MODEL_UNPRICED); the cache does not make them either.
      warn({ model: ctx.model?.name, embeddingModel: name }, `the semantic cache's embedding model "${name}" has no price`);
      return undefined;
    }
    return deployment;
  }

  async function embed(ctx: RequestContext, deployment: CompiledDeployment, text: string): Promise<Float32Array | undefined> {
    const response = await deployment.provider.embeddings(
      { model: deployment.target.upstreamModel, input: text },
      { requestId: ctx.requestId, deployment: deployment.target, signal: ctx.abort.signal },
    );
    const reported = response.usage?.prompt_tokens;
    const tokens = typeof reported === 'number' && reported >= 0 ? reported : (await loadTokenizer()).countText(text);
    const pricing = deployment.pricing;
    if (pricing && !pricing.free) {
      ctx.extraCostMicros += costMicros({ inputTokens: tokens, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 0 }, pricing.prices);
    }
    return firstVector(response);
  }

  return {
    async find(ctx: RequestContext, request: ChatCompletionRequest, namespace: string): Promise<SemanticProbe | undefined> {
      const model = ctx.model;
      const settings = model?.cache?.semantic;
      if (!model || !settings || !semanticEligible(settings, request)) return undefined;
      const split = splitForSemantic(request);
      if (!split) return undefined;
      const deployment = embeddingDeployment(ctx, settings.embeddingModel);
      if (!deployment) return undefined;
      let vector: Float32Array | undefined;
      try {
        vector = await embed(ctx, deployment, split.text);
      } catch (err) {
        if (!ctx.abort.signal.aborted) warn({ err, model: model.name, embeddingModel: settings.embeddingModel }, 'the semantic cache could not embed a prompt');
        return undefined;
      }
      if (!vector) {
        warn({ model: model.name, embeddingModel: settings.embeddingModel }, 'the semantic cache got no vector from its embedding model');
        return undefined;
      }
      // Vectors of different embedding deployments live in different spaces: they never share an index.
      const home: ProbeHome = { namespace, index: `${namespace}|${model.name}|${settings.embeddingModel}@${deployment.target.id}|${split.context}`, ttlMs: settings.ttlMs };
      let match: SemanticProbe['match'];
      try {
        match = await index.search(home.index, vector, settings.threshold, clock.now());
      } catch (err) {
        warn({ err, model: model.name }, 'the semantic cache could not search its index');
      }
      const probe: SemanticProbe = { vector, match };
      homes.set(probe, home);
      return probe;
    },

    remember(_ctx: RequestContext, namespace: string, probe: SemanticProbe, key: string, expiresAt: number): void {
      const home = homes.get(probe);
      if (!home || home.namespace !== namespace) return;
      const until = Math.min(expiresAt, clock.now() + home.ttlMs);
      index.add(home.index, probe.vector, key, until).catch((err: unknown) => warn({ err }, 'the semantic cache could not add to its index'));
    },
  };
}
