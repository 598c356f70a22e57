import type { CompiledGuardrail } from '../../guardrails/compiled.js';
import { createJsonOutputValidator, responseFormatSchema } from '../../guardrails/json-output.js';
import { createScanner, type Scanner } from '../../guardrails/scan.js';
import { GatewayError } from '../../kernel/errors/index.js';
import type { Logger } from '../../kernel/logger.js';
import type { ChatCompletion, ChatCompletionRequest, EmbeddingRequest } from '../../kernel/wire/openai.js';
import type { TelemetryChannels } from '../../telemetry/channels.js';
import type { RequestContext } from '../context.js';
import { applicableGuardrails } from './applicable.js';
import { type CheckDeps, checkTexts } from './check-texts.js';
import { createHitRecorder } from './evidence.js';
import { assertSchemaUsable, checkOutput } from './output-check.js';
import { createStreamGuard, type StreamGuard } from './stream-guard.js';
import { chatTextSlots, embeddingTextSlots, type TextSlot } from './text-slots.js';
import type { WebhookFetch } from './webhook.js';

export { guardrailEvidence } from './evidence.js';
export type { StreamGuard } from './stream-guard.js';
export type { WebhookFetch, WebhookRequest, WebhookVerdict } from './webhook.js';

export interface GuardrailPipelineDeps {
  /** Hits are published here (metrics, audit of blocks); absent in tests that only read the context. */
  readonly channels?: Pick<TelemetryChannels, 'guardrailHit'>;
  /** For webhooks (global fetch by default). */
  readonly fetch?: WebhookFetch;
  readonly logger?: Logger;
}

/**
 * Applies the snapshot's Guardrail resources to a request: the input stage before limits and cache
 * (so the upstream and the cache key see the redacted text), the output stage on upstream answers.
 * Requests with no applicable guardrail pay one array check.
 */
export interface GuardrailPipeline {
  /** Input stage of a chat request: throws GW_GUARDRAIL_BLOCKED, or rewrites redacted text in place. */
  chatInput(ctx: RequestContext, request: ChatCompletionRequest): Promise<void> | undefined;
  embeddingsInput(ctx: RequestContext, request: EmbeddingRequest): Promise<void> | undefined;
  /** True when output guardrails apply (the caller then routes the answer through chatOutput). */
  hasOutput(ctx: RequestContext): boolean;
  /** Output stage of a non-stream answer; `retry` asks the upstream again (jsonOutput), billed by the caller. */
  chatOutput(ctx: RequestContext, request: ChatCompletionRequest, completion: ChatCompletion, retry: () => Promise<ChatCompletion>): Promise<ChatCompletion>;
  /** Output stage of a stream, or undefined when no output guardrail applies. */
  chatStream(ctx: RequestContext): StreamGuard | undefined;
}

export function createGuardrailPipeline(deps: GuardrailPipelineDeps = {}): GuardrailPipeline {
  const recordHit = createHitRecorder(deps.channels);
  const logger = deps.logger;
  // Compiled guardrails are immutable and live as long as their snapshot: their scanners with them.
  const scanners = new WeakMap<CompiledGuardrail, Scanner>();
  const scannerFor = (g: CompiledGuardrail): Scanner => {
    let s = scanners.get(g);
    if (!s) {
      s = createScanner(g);
      scanners.set(g, s);
    }
    return s;
  };
  const check: CheckDeps & { validateJson: ReturnType<typeof createJsonOutputValidator> } = {
    validateJson: createJsonOutputValidator(),
    scannerFor,
    recordHit,
    fetch: deps.fetch ?? (globalThis.fetch as unknown as WebhookFetch),
    onWebhookFailure(ctx, guardrail, reason) {
      logger?.warn({ requestId: ctx.requestId, guardrail, reason }, 'guardrail webhook failed; failing open (the request goes on unchecked by it)');
    },
  };

  async function input(ctx: RequestContext, slots: readonly TextSlot[], guardrails: ReturnType<typeof applicableGuardrails>): Promise<void> {
    for (const g of guardrails) await checkTexts(check, ctx, g, 'input', slots);
  }

  /**
   * What the output stage can tell before the upstream is asked: a client's json_schema that does not
   * compile (non-stream: jsonOutput would retry on it), and a stream that a fail-closed output webhook
   * cannot check (a webhook reads whole answers; the stream would pass it unchecked).
   */
  function outputUpFront(ctx: RequestContext, request: ChatCompletionRequest): void {
    for (const g of applicableGuardrails(ctx, 'output')) {
      if (ctx.stream && g.webhook && !g.webhook.failOpen) {
        recordHit(ctx, { guardrail: g.name, stage: 'output', rule: 'webhook', action: 'block', count: 1 });
        throw new GatewayError(
          'GW_GUARDRAIL_BLOCKED',
          `Guardrail "${g.name}" blocked the request: webhook (1). Streams cannot be checked by this guardrail; ask for a non-stream answer (stream: false).`,
        );
      }
      if (!ctx.stream && g.jsonOutput && g.action === 'block') assertSchemaUsable(check.validateJson, responseFormatSchema(request.response_format));
    }
  }

  return {
    chatInput(ctx, request) {
      if (ctx.snapshot.guardrails.length === 0) return undefined;
      outputUpFront(ctx, request);
      const guardrails = applicableGuardrails(ctx, 'input');
      return guardrails.length === 0 ? undefined : input(ctx, chatTextSlots(request), guardrails);
    },
    embeddingsInput(ctx, request) {
      const guardrails = applicableGuardrails(ctx, 'input');
      return guardrails.length === 0 ? undefined : input(ctx, embeddingTextSlots(request), guardrails);
    },
    hasOutput(ctx) {
      return ctx.snapshot.guardrails.length > 0 && applicableGuardrails(ctx, 'output').length > 0;
    },
    chatOutput(ctx, request, completion, retry) {
      return checkOutput(check, ctx, applicableGuardrails(ctx, 'output'), request, completion, retry);
    },
    chatStream(ctx) {
      const guardrails = applicableGuardrails(ctx, 'output');
      if (guardrails.length === 0) return undefined;
      // A webhook reads whole answers: on a stream a fail-open one lets it through unchecked, and says
      // so (fail-closed ones refused the stream up front). jsonOutput does not run on streams either
      // (the answer is sent before it is whole) and records nothing: documented in docs/guardrails.md.
      for (const g of guardrails) if (g.webhook?.failOpen) recordHit(ctx, { guardrail: g.name, stage: 'output', rule: 'webhook', action: 'flag', count: 1 });
      return createStreamGuard(ctx, guardrails, recordHit, scannerFor);
    },
  };
}
