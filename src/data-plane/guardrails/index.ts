import type { CompiledGuardrail } from '../../guardrails/compiled.js';
import { createJsonOutputValidator } from '../../guardrails/json-output.js';
import { createScanner, type Scanner } from '../../guardrails/scan.js';
import type { Logger } from '../../kernel/logger.js';
import type { ChatCompletion, ChatCompletionRequest, EmbeddingRequest } from '../../kernel/wire/openai.js';
import type { TelemetryChannels } from '../../telemetry/channels.js';
import type { RequestContext } from '../context.js';
import { applicableGuardrails } from './applicable.js';
import { type CheckDeps, checkTexts } from './check-texts.js';
import { createHitRecorder } from './evidence.js';
import { checkOutput } from './output-check.js';
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

  return {
    chatInput(ctx, request) {
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
      return guardrails.length === 0 ? undefined : createStreamGuard(ctx, guardrails, recordHit, scannerFor);
    },
  };
}
