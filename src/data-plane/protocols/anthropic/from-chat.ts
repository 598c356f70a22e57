import type { AnthropicContentBlock, AnthropicMessage, AnthropicStopReason, AnthropicUsage } from '../../../kernel/wire/anthropic.js';
import type { ChatCompletion, FinishReason, OpenAiUsage } from '../../../kernel/wire/openai.js';

/**
 * An Anthropic-style message id for an upstream completion id: Anthropic's own ids are kept, others
 * get the `msg_` prefix (clients and logs recognise it) with characters outside [A-Za-z0-9_-] removed.
 */
export function messageId(upstreamId: string | undefined, fallback: string): string {
  const id = upstreamId && upstreamId !== '' ? upstreamId : fallback;
  return id.startsWith('msg_') ? id : `msg_${id.replace(/[^A-Za-z0-9_-]/g, '')}`;
}

/**
 * OpenAI finish_reason → Anthropic stop_reason. A stop on one of the request's stop_sequences is
 * `stop_sequence` when the upstream says which one matched (vLLM's `stop_reason`, or a
 * `stop_sequence` extension); OpenAI's own finish_reason does not distinguish it from end_turn.
 */
export function stopReason(
  finish: FinishReason | string | null | undefined,
  matched: unknown,
  stopSequences: readonly string[] | undefined,
): { stop_reason: AnthropicStopReason; stop_sequence: string | null } {
  switch (finish) {
    case 'length':
      return { stop_reason: 'max_tokens', stop_sequence: null };
    case 'tool_calls':
    case 'function_call':
      return { stop_reason: 'tool_use', stop_sequence: null };
    case 'content_filter':
      return { stop_reason: 'refusal', stop_sequence: null };
    default:
      if (typeof matched === 'string' && stopSequences?.includes(matched)) return { stop_reason: 'stop_sequence', stop_sequence: matched };
      return { stop_reason: 'end_turn', stop_sequence: null };
  }
}

/** The matched stop sequence an upstream may report on a choice (vLLM: `stop_reason`). */
export function matchedStop(choice: Record<string, unknown> | undefined): unknown {
  return choice?.stop_sequence ?? choice?.stop_reason;
}

const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * OpenAI usage → Anthropic usage. OpenAI's prompt_tokens include cached (and, from the Anthropic
 * provider, cache-written) input; Anthropic's input_tokens are the rest, so the three add up again.
 */
export function anthropicUsage(usage: OpenAiUsage | null | undefined, costUsd?: string): AnthropicUsage {
  const read = n(usage?.prompt_tokens_details?.cached_tokens);
  const write = n(usage?.cache_creation_input_tokens);
  const out: AnthropicUsage = {
    input_tokens: Math.max(0, n(usage?.prompt_tokens) - read - write),
    output_tokens: n(usage?.completion_tokens),
    cache_creation_input_tokens: write,
    cache_read_input_tokens: read,
  };
  if (costUsd !== undefined) out.gantry_cost_usd = costUsd;
  if (usage?.gantry_usage_estimated === true) out.gantry_usage_estimated = true;
  return out;
}

/** Parses tool arguments; invalid JSON from the model is passed on as the raw string, not lost. */
export function toolInput(args: string): unknown {
  if (args.trim() === '') return {};
  try {
    return JSON.parse(args);
  } catch {
    return args;
  }
}

/** Thinking blocks of an assistant message: signed blocks (Anthropic upstream) or plain reasoning text. */
function thinkingBlocks(message: Record<string, unknown>): AnthropicContentBlock[] {
  const blocks = message.thinking_blocks;
  if (Array.isArray(blocks)) {
    const out: AnthropicContentBlock[] = [];
    for (const b of blocks as Array<Record<string, unknown>>) {
      if (b?.type === 'thinking' && typeof b.thinking === 'string') out.push({ type: 'thinking', thinking: b.thinking, signature: String(b.signature ?? '') });
      else if (b?.type === 'redacted_thinking' && typeof b.data === 'string') out.push({ type: 'redacted_thinking', data: b.data });
    }
    return out;
  }
  const reasoning = message.reasoning_content;
  // Reasoning from an OpenAI-style upstream (vLLM, DeepSeek, …) has no signature to carry.
  return typeof reasoning === 'string' && reasoning !== '' ? [{ type: 'thinking', thinking: reasoning, signature: '' }] : [];
}

/** A chat completion (first choice) → an Anthropic message. */
export function fromChatCompletion(completion: ChatCompletion, opts: { model: string; stopSequences?: readonly string[]; costUsd?: string; fallbackId: string }): AnthropicMessage {
  const choice = completion.choices[0];
  const message = choice?.message;
  const content: AnthropicContentBlock[] = message ? thinkingBlocks(message) : [];
  const text = typeof message?.content === 'string' ? message.content : '';
  const refusal = typeof message?.refusal === 'string' ? message.refusal : '';
  if (text !== '') content.push({ type: 'text', text });
  else if (refusal !== '') content.push({ type: 'text', text: refusal });
  for (const call of message?.tool_calls ?? []) {
    content.push({ type: 'tool_use', id: call.id, name: call.function.name, input: toolInput(call.function.arguments) });
  }
  const stop = stopReason(choice?.finish_reason, matchedStop(choice), opts.stopSequences);
  return {
    id: messageId(completion.id, opts.fallbackId),
    type: 'message',
    role: 'assistant',
    // The public model name the client asked for, as for /v1/chat/completions clients see the route in a header.
    model: opts.model,
    content,
    stop_reason: refusal !== '' && text === '' ? 'refusal' : stop.stop_reason,
    stop_sequence: stop.stop_sequence,
    usage: anthropicUsage(completion.usage, opts.costUsd),
  };
}
