import { messageText, type Tokenizer } from '../../kernel/tokens.js';
import type {
  ChatCompletionRequest,
  ChatMessage,
  ChatTool,
  ChatToolCall,
  FinishReason,
  OpenAiUsage,
} from '../../kernel/wire/openai.js';
import type { SimModelProfile } from './catalogue.js';
import { createRng, hashString, type Rng } from './random.js';
import { valueForSchema } from './schema-value.js';
import { generateProse, type GeneratedText, limitText } from './text.js';

/** What the simulated model answers: text or tool calls, with usage. */
export interface SimReply {
  readonly id: string;
  readonly content: string | null;
  /** `content` split per token, for streaming. */
  readonly contentTokens: readonly string[];
  readonly toolCalls: readonly ChatToolCall[] | undefined;
  readonly finishReason: FinishReason;
  readonly usage: OpenAiUsage;
}

const ECHO = '/echo';
const LONG_HINT = /\b(long|story|essay|detailed|explain)\b/i;

function lastOf(messages: readonly ChatMessage[], role: ChatMessage['role']): ChatMessage | undefined {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]?.role === role) return messages[i];
  return undefined;
}

/** The tool to call: the forced one, else the one whose name or description shares most words with the prompt. */
function chooseTool(tools: readonly ChatTool[], request: ChatCompletionRequest, prompt: string): ChatTool | undefined {
  const choice = request.tool_choice;
  if (typeof choice === 'object' && choice !== null) return tools.find((t) => t.function.name === choice.function?.name);
  const words = new Set(prompt.toLowerCase().match(/[a-z0-9]+/g) ?? []);
  let best = tools[0];
  let bestScore = 0;
  for (const tool of tools) {
    const about = `${tool.function.name.replace(/[_-]/g, ' ')} ${tool.function.description ?? ''}`.toLowerCase();
    const score = (about.match(/[a-z0-9]+/g) ?? []).filter((w) => w.length > 2 && words.has(w)).length;
    if (score > bestScore) {
      best = tool;
      bestScore = score;
    }
  }
  return best;
}

function shouldCallTool(request: ChatCompletionRequest, last: ChatMessage | undefined): boolean {
  const tools = request.tools;
  if (!tools || tools.length === 0 || request.tool_choice === 'none') return false;
  if (request.tool_choice === 'required' || typeof request.tool_choice === 'object') return true;
  // "auto": call a tool for a user turn; after a tool result, answer in text like a real model.
  return last?.role !== 'tool';
}

function applyStop(tok: Tokenizer, text: GeneratedText, stop: ChatCompletionRequest['stop']): GeneratedText | undefined {
  const stops = typeof stop === 'string' ? [stop] : Array.isArray(stop) ? stop : [];
  let cut = -1;
  for (const s of stops) {
    const at = s ? text.text.indexOf(s) : -1;
    if (at !== -1 && (cut === -1 || at < cut)) cut = at;
  }
  return cut === -1 ? undefined : limitText(tok, text.text.slice(0, cut), undefined);
}

function toolResultReply(tok: Tokenizer, request: ChatCompletionRequest, rng: Rng, limit: number | undefined): GeneratedText {
  const result = lastOf(request.messages, 'tool');
  const call = request.messages
    .flatMap((m) => m.tool_calls ?? [])
    .find((c) => c.id === result?.tool_call_id);
  const summary = messageText(result?.content).slice(0, 200);
  const intro = `Based on the ${call?.function.name ?? 'tool'} result (${summary}), here is the answer. `;
  const prose = generateProse(tok, rng, 12, undefined);
  return limitText(tok, intro + prose.text, limit);
}

function textReply(tok: Tokenizer, request: ChatCompletionRequest, profile: SimModelProfile, rng: Rng, prompt: string, limit: number | undefined): GeneratedText {
  const format = request.response_format?.type;
  if (format === 'json_schema') {
    const schema = (request.response_format?.json_schema as { schema?: unknown } | undefined)?.schema;
    return limitText(tok, JSON.stringify(valueForSchema(schema ?? { type: 'object' }, rng, prompt)), limit);
  }
  const [min, max] = profile.replyTokens;
  const target = rng.int(min, max) * (LONG_HINT.test(prompt) ? 4 : 1);
  if (format === 'json_object') {
    return limitText(tok, JSON.stringify({ answer: generateProse(tok, rng, target, undefined).text }), limit);
  }
  return generateProse(tok, rng, target, limit);
}

/** Plans the deterministic reply to a chat request: same request, same answer. */
export function planReply(tok: Tokenizer, request: ChatCompletionRequest, profile: SimModelProfile): SimReply {
  const seedText = JSON.stringify([request.model, request.messages, request.tools ?? null, request.response_format ?? null, request.seed ?? null]);
  const seed = hashString(seedText);
  const rng = createRng(seed);
  const id = `chatcmpl-sim${seed.toString(16).padStart(8, '0')}`;
  const limit = request.max_completion_tokens ?? request.max_tokens ?? undefined;
  const messages = request.messages;
  const last = messages[messages.length - 1];
  const prompt = messageText(lastOf(messages, 'user')?.content);
  const promptTokens = tok.countChatPrompt(messages, request.tools);
  const usage = (completion: number): OpenAiUsage => ({
    prompt_tokens: promptTokens,
    completion_tokens: completion,
    total_tokens: promptTokens + completion,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  });

  if (last?.role === 'user' && messageText(last.content).startsWith(ECHO)) {
    // Echo mode: proves to tests exactly which messages reached the upstream.
    const echoed = limitText(tok, JSON.stringify(messages), limit);
    return text(id, echoed, usage);
  }

  if (profile.name === 'sim-echo') return text(id, limitText(tok, prompt, limit), usage);

  if (shouldCallTool(request, last)) {
    const tool = chooseTool(request.tools ?? [], request, prompt);
    if (tool) {
      const args = JSON.stringify(valueForSchema(tool.function.parameters ?? { type: 'object' }, rng, prompt));
      const call: ChatToolCall = {
        id: `call_${rng.int(0, 0xffffff).toString(16).padStart(6, '0')}${seed.toString(16).slice(0, 6)}`,
        type: 'function',
        function: { name: tool.function.name, arguments: args },
      };
      const tokens = tok.countText(tool.function.name) + tok.countText(args) + 3;
      return { id, content: null, contentTokens: [], toolCalls: [call], finishReason: 'tool_calls', usage: usage(tokens) };
    }
  }

  let reply = last?.role === 'tool' ? toolResultReply(tok, request, rng, limit) : textReply(tok, request, profile, rng, prompt, limit);
  const stopped = applyStop(tok, reply, request.stop);
  if (stopped) reply = stopped;
  return text(id, reply, usage, stopped ? false : reply.truncated);
}

function text(id: string, reply: GeneratedText, usage: (n: number) => OpenAiUsage, truncated = reply.truncated): SimReply {
  return {
    id,
    content: reply.text,
    contentTokens: reply.tokens,
    toolCalls: undefined,
    finishReason: truncated ? 'length' : 'stop',
    usage: usage(reply.tokens.length),
  };
}
