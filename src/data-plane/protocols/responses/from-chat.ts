import type { ChatCompletion, FinishReason, OpenAiUsage } from '../../../kernel/wire/openai.js';
import type {
  OutputMessageItem,
  ResponseObject,
  ResponseStatus,
  ResponsesOutputItem,
  ResponsesRequest,
  ResponsesUsage,
} from '../../../kernel/wire/responses.js';

export type NewId = (prefix: string, length?: number) => string;

/** The response object before any output: what response.created carries, and the base of the final one. */
export function responseShell(request: ResponsesRequest, id: string, createdAtMs: number): ResponseObject {
  const f = request.text?.format;
  return {
    id,
    object: 'response',
    created_at: Math.floor(createdAtMs / 1000),
    status: 'in_progress',
    background: false,
    error: null,
    incomplete_details: null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    model: request.model,
    output: [],
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: request.previous_response_id ?? null,
    reasoning: { effort: request.reasoning?.effort ?? null, summary: null },
    service_tier: request.service_tier ?? null,
    store: request.store !== false,
    temperature: request.temperature ?? null,
    text: { format: f ?? { type: 'text' } },
    tool_choice: request.tool_choice ?? 'auto',
    tools: (request.tools ?? []).map((t) => ({
      type: 'function',
      name: t.name,
      description: t.description ?? null,
      parameters: t.parameters ?? null,
      strict: t.strict ?? null,
    })),
    top_p: request.top_p ?? null,
    truncation: request.truncation ?? 'disabled',
    usage: null,
    user: request.user ?? null,
    metadata: request.metadata ?? {},
  };
}

/** Chat usage (with Gantry's cost extension) → Responses usage. */
export function responsesUsage(usage: OpenAiUsage | null | undefined): ResponsesUsage | null {
  if (!usage) return null;
  const out: ResponsesUsage = {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: usage.total_tokens ?? usage.prompt_tokens + usage.completion_tokens,
  };
  if (typeof usage.gantry_cost_usd === 'string') out.gantry_cost_usd = usage.gantry_cost_usd;
  if (usage.gantry_usage_estimated === true) out.gantry_usage_estimated = true;
  return out;
}

/** How a chat finish reason ends a response. */
export function endOf(finish: FinishReason | null | undefined): Pick<ResponseObject, 'status' | 'incomplete_details'> {
  if (finish === 'length') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (finish === 'content_filter') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}

/** A chat completion → the Responses output items and final status. */
export function fromChatCompletion(completion: ChatCompletion, shell: ResponseObject, newId: NewId): ResponseObject {
  const choice = completion.choices[0];
  const end = endOf(choice?.finish_reason);
  const itemStatus: ResponseStatus = end.status === 'completed' ? 'completed' : 'incomplete';
  const output: ResponsesOutputItem[] = [];
  const msg = choice?.message;
  const content: OutputMessageItem['content'] = [];
  if (typeof msg?.content === 'string' && msg.content.length > 0) content.push({ type: 'output_text', text: msg.content, annotations: [], logprobs: [] });
  if (typeof msg?.refusal === 'string' && msg.refusal.length > 0) content.push({ type: 'refusal', refusal: msg.refusal });
  // An empty answer is still one message with empty text, as OpenAI returns it.
  if (content.length > 0 || !msg?.tool_calls?.length) {
    if (content.length === 0) content.push({ type: 'output_text', text: '', annotations: [], logprobs: [] });
    output.push({ type: 'message', id: newId('msg_', 32), role: 'assistant', status: itemStatus === 'completed' ? 'completed' : 'incomplete', content });
  }
  for (const call of msg?.tool_calls ?? []) {
    output.push({ type: 'function_call', id: newId('fc_', 32), call_id: call.id, name: call.function.name, arguments: call.function.arguments, status: 'completed' });
  }
  return { ...shell, ...end, output, usage: responsesUsage(completion.usage) };
}
