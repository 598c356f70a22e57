import type { ChatCompletionRequest, ChatMessage } from '../../kernel/wire/openai.js';
import type { RequestContext } from '../context.js';
import type { RequestFeatures } from '../snapshot.js';
import { complexityScore } from './complexity.js';

/** lastUser is kept for keyword rules; a longer message is cut (rules read the start of it). */
const LAST_USER_CHARS = 2_000;
/** Code detection reads at most this much text: a long document is not scanned to the end. */
const CODE_SCAN_CHARS = 50_000;

/** Who is asking: the parts of the request context features read (tests pass just these). */
export type FeatureSource = Pick<RequestContext, 'headers' | 'principal' | 'attribution'>;

/**
 * The features of a chat request that Route rules and the complexity score read. Cheap on purpose
 * (it runs before the model is known): tokens are estimated as ceil(UTF-8 bytes / 4) rather than
 * counted with the tokenizer.
 */
export function requestFeatures(request: ChatCompletionRequest, who: FeatureSource): RequestFeatures {
  let bytes = 0;
  let turns = 0;
  let images = false;
  let lastUser = '';
  let scan = '';
  for (const m of request.messages) {
    const text = messageText(m);
    bytes += Buffer.byteLength(text);
    for (const call of m.tool_calls ?? []) bytes += Buffer.byteLength(call.function.name) + Buffer.byteLength(call.function.arguments);
    if (!images && Array.isArray(m.content)) images = m.content.some((p) => p.type === 'image_url' || p.type === 'input_image' || p.type === 'image');
    if (m.role === 'user') {
      turns++;
      lastUser = text;
    }
    // Tool results and assistant turns are often generated code or JSON; what the people wrote says more.
    if ((m.role === 'user' || m.role === 'system' || m.role === 'developer') && scan.length < CODE_SCAN_CHARS) scan += `${text.slice(0, CODE_SCAN_CHARS - scan.length)}\n`;
  }
  const tools = request.tools ?? [];
  if (tools.length > 0) bytes += Buffer.byteLength(JSON.stringify(tools));
  const format = request.response_format;
  if (format?.json_schema) bytes += Buffer.byteLength(JSON.stringify(format.json_schema));
  const base = {
    promptTokens: Math.ceil(bytes / 4),
    turns,
    messages: request.messages.length,
    tools: tools.length > 0,
    toolCount: tools.length,
    code: looksLikeCode(scan),
    jsonMode: format?.type === 'json_object' || format?.type === 'json_schema',
    images,
    maxTokens: positive(request.max_completion_tokens) ?? positive(request.max_tokens) ?? 0,
    task: declaredTask(who),
    agent: who.attribution?.agent ?? '',
    team: who.principal?.team ?? '',
    lastUser: lastUser.slice(0, LAST_USER_CHARS).toLowerCase(),
  };
  return { ...base, score: complexityScore(base) };
}

function messageText(m: ChatMessage): string {
  if (typeof m.content === 'string') return m.content;
  if (!Array.isArray(m.content)) return '';
  let text = '';
  for (const part of m.content) if (part.type === 'text' && typeof part.text === 'string') text += (text ? '\n' : '') + part.text;
  return text;
}

const positive = (n: number | null | undefined): number | undefined => (typeof n === 'number' && n > 0 ? n : undefined);

/** x-gantry-task, else the `task` tag (x-gantry-tags), lower-cased. */
function declaredTask(who: FeatureSource): string {
  const header = who.headers['x-gantry-task'];
  const value = (Array.isArray(header) ? header[0] : header) ?? who.attribution?.tags.task ?? '';
  return value.trim().toLowerCase();
}

/** Any one of these is code on its own. */
const STRONG_CODE = [
  /^\s*```/m, // a fenced block
  /^\s*#include\s*[<"]/m,
  /^\s*(async\s+)?def\s+\w+\s*\(.*\)\s*(->\s*[\w[\], .]+)?:\s*$/m, // Python function
  /^\s*class\s+\w+(\(.*\))?\s*[:{]\s*$/m,
  /\bfunction\s*\w*\s*\([^)]*\)\s*\{/, // JavaScript function
  /\([^()\n]*\)\s*=>|\b\w+\s*=>\s*[{(\w]/, // arrow function
  /\bSELECT\s+[^;]{1,300}?\s+FROM\s+\w/, // SQL (upper case: "select … from" in prose is English)
  /\bselect\s+\*\s+from\s+\w/i,
  /^\s*(import|from)\s+[\w.]+\s+import\s+\w/m, // Python import
  /^\s*import\s+[\w{*][^;\n]*\s+from\s+['"]/m, // ES import
  /^\s*(public|private|protected)\s+(static\s+)?[\w<>[\]]+\s+\w+\s*\(/m, // Java / C# method
  /^\s*(fn|func)\s+\w+\s*\(/m, // Rust, Go
];

/** Lines that end like code (`;`, `{`, `}`) or assign with `const|let|var`: a few of them are code. */
const CODE_LINE = /(?:[;{}]\s*$)|(?:^\s*(?:const|let|var)\s+\w+\s*=)/;

/** Code lines are short; capping lines keeps the patterns linear on hostile input (a 50 kB line of parentheses). */
const MAX_LINE = 400;

export function looksLikeCode(text: string): boolean {
  if (text.length === 0) return false;
  const lines = text.split('\n').map((l) => (l.length > MAX_LINE ? l.slice(0, MAX_LINE) : l));
  const capped = lines.join('\n');
  for (const re of STRONG_CODE) if (re.test(capped)) return true;
  let found = 0;
  for (const line of lines) if (CODE_LINE.test(line) && ++found >= 3) return true;
  return false;
}
