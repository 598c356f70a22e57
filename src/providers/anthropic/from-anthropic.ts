import type { ChatCompletion, ChatToolCall, FinishReason, OpenAiUsage } from '../../kernel/wire/openai.js';
import type { AnthropicMessage, AnthropicUsage, ThinkingBlock } from './wire.js';

/** Anthropic stop_reason → OpenAI finish_reason. */
export function finishReason(stop: string | null | undefined): FinishReason {
  switch (stop) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      // end_turn, stop_sequence, pause_turn (server tools only, never offered by Gantry) and null.
      return 'stop';
  }
}

const n = (v: number | null | undefined): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * Anthropic counts cached and cache-written input apart from `input_tokens`; OpenAI's prompt_tokens
 * includes them. The cache-write count travels as the `cache_creation_input_tokens` extension that
 * the data plane's metering prices with the model's cache-write price.
 */
export function toOpenAiUsage(u: AnthropicUsage | undefined): OpenAiUsage {
  const read = n(u?.cache_read_input_tokens);
  const write = n(u?.cache_creation_input_tokens);
  const prompt = n(u?.input_tokens) + read + write;
  const completion = n(u?.output_tokens);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: read },
    cache_creation_input_tokens: write,
  };
}

/** The `stop_sequence` choice extension: which of the request's stop sequences ended the answer. */
export function matchedStopSequence(stop: unknown): { stop_sequence?: string } {
  return typeof stop === 'string' && stop.length > 0 ? { stop_sequence: stop } : {};
}

/** Anthropic message → OpenAI chat completion (one choice). */
export function fromAnthropicMessage(msg: AnthropicMessage, createdSeconds: number): ChatCompletion {
  let text = '';
  let sawText = false;
  let reasoning = '';
  const thinking: ThinkingBlock[] = [];
  const toolCalls: ChatToolCall[] = [];
  for (const block of msg.content) {
    if (block.type === 'text' && typeof block.text === 'string') {
      text += block.text;
      sawText = true;
    } else if (block.type === 'tool_use') {
      const b = block as { id: string; name: string; input: unknown };
      toolCalls.push({ id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) } });
    } else if (block.type === 'thinking' && typeof block.thinking === 'string') {
      reasoning += block.thinking;
      thinking.push({ type: 'thinking', thinking: block.thinking, signature: String(block.signature ?? '') });
    } else if (block.type === 'redacted_thinking' && typeof block.data === 'string') {
      thinking.push({ type: 'redacted_thinking', data: block.data });
    }
    // Other block kinds (server tool results, …) only follow server tools, which Gantry never offers.
  }
  const message: ChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    content: sawText || toolCalls.length === 0 ? text : null,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (thinking.length > 0) {
    message.reasoning_content = reasoning;
    message.thinking_blocks = thinking;
  }
  return {
    id: msg.id,
    object: 'chat.completion',
    created: createdSeconds,
    model: msg.model,
    choices: [{ index: 0, message, finish_reason: finishReason(msg.stop_reason), logprobs: null, ...matchedStopSequence(msg.stop_sequence) }],
    usage: toOpenAiUsage(msg.usage),
  };
}
