import { GatewayError } from '../../kernel/errors/index.js';
import type { RequestContext } from '../context.js';
import type { CompiledModel } from '../snapshot.js';

/**
 * Finds the model in the snapshot, checks it serves this endpoint and has a price (fail closed:
 * an unpriced model is never served as $0), and picks its deployment.
 */
export function createResolveModel() {
  return function resolveModel(ctx: RequestContext): void {
    const name = ctx.requestedModel ?? '';
    const model: CompiledModel | undefined = ctx.snapshot.models.get(name);
    if (!model) {
      throw new GatewayError('GW_MODEL_NOT_FOUND', `The model "${name}" does not exist. GET /v1/models lists the models you can use.`, {
        param: 'model',
      });
    }
    const scope = ctx.principal?.models;
    if (scope && !scope.has(name)) {
      throw new GatewayError('GW_MODEL_NOT_ALLOWED', `This API key may not use the model "${name}"; it is scoped to ${[...scope].join(', ') || 'no models'}.`, { param: 'model' });
    }
    const agentName = ctx.attribution?.agent;
    const agentModels = agentName === undefined ? undefined : ctx.snapshot.agents.get(agentName)?.models;
    if (agentModels && !agentModels.has(name)) {
      throw new GatewayError('GW_MODEL_NOT_ALLOWED', `Agent "${agentName}" may not use the model "${name}"; it is allowed ${[...agentModels].join(', ') || 'no models'}.`, { param: 'model' });
    }
    const wanted = ctx.endpoint === 'embeddings' ? 'embedding' : 'chat';
    if (model.type !== wanted) {
      throw new GatewayError(
        'GW_MODEL_WRONG_ENDPOINT',
        `The model "${name}" is ${model.type === 'chat' ? 'a chat model' : 'an embedding model'}; use ${model.type === 'chat' ? '/v1/chat/completions' : '/v1/embeddings'}.`,
        { param: 'model' },
      );
    }
    ctx.model = model;
    if (!model.pricing) {
      throw new GatewayError(
        'GW_MODEL_UNPRICED',
        `The model "${name}" has no price, so Gantry refuses to serve it rather than record $0. Add spec.pricing to the Model (or "pricing: {free: true}").`,
      );
    }
    ctx.deployment = model.deployments[0];
  };
}
