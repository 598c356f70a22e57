import { createHash } from 'node:crypto';
import type { ChatCompletionRequest } from '../../kernel/wire/openai.js';
import type { RequestContext } from '../context.js';

/**
 * Request fields that never change the answer: how it is delivered (stream), who asked (user,
 * metadata, safety_identifier), what the upstream keeps (store, prompt caching) and its service tier.
 * Everything else is in the key, unknown fields included: a parameter Gantry does not know of may
 * change the answer, and an extra miss is cheaper than a wrong hit. `model` is replaced by the Model
 * that serves (after Route resolution).
 */
const NOT_IN_KEY = new Set([
  'model',
  'stream',
  'stream_options',
  'user',
  'metadata',
  'store',
  'service_tier',
  'safety_identifier',
  'prompt_cache_key',
  'prompt_cache_retention',
]);

/** `team:<team>`, or `shared` when the model shares its answers across teams; undefined: no principal. */
export function cacheNamespace(ctx: RequestContext): string | undefined {
  if (ctx.model?.cache?.shared) return 'shared';
  const team = ctx.principal?.team;
  return team === undefined ? undefined : `team:${team}`;
}

/** `<namespace>:<model>:<sha256 of the normalised request>`. */
export function cacheKey(namespace: string, model: string, request: ChatCompletionRequest): string {
  return `${namespace}:${model}:${createHash('sha256').update(normalisedRequest(request)).digest('hex')}`;
}

/**
 * The request as stable JSON: object keys sorted, undefined dropped everywhere, and null dropped where
 * it means "not given" (top-level parameters, message fields such as an assistant's `content: null`).
 * Array order (messages, tools, content parts) is kept: it changes the answer.
 */
export function normalisedRequest(request: ChatCompletionRequest): string {
  const out: string[] = [];
  for (const name of Object.keys(request).sort()) {
    if (NOT_IN_KEY.has(name)) continue;
    const value = request[name];
    if (value === undefined || value === null) continue;
    const json = name === 'messages' && Array.isArray(value) ? `[${value.map((m) => stableJson(m, true)).join(',')}]` : stableJson(value, false);
    out.push(`${JSON.stringify(name)}:${json}`);
  }
  return `{${out.join(',')}}`;
}

function stableJson(value: unknown, dropNull: boolean): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : stableJson(v, false))).join(',')}]`;
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const name of Object.keys(record).sort()) {
    const v = record[name];
    if (v === undefined || (dropNull && v === null) || typeof v === 'function') continue;
    parts.push(`${JSON.stringify(name)}:${stableJson(v, false)}`);
  }
  return `{${parts.join(',')}}`;
}
