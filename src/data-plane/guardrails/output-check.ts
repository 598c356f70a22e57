import type { CompiledGuardrail } from '../../guardrails/compiled.js';
import { type ResponseFormatSchema, responseFormatSchema, type ValidateJsonOutput } from '../../guardrails/json-output.js';
import { GatewayError } from '../../kernel/errors/index.js';
import type { ChatCompletion, ChatCompletionRequest } from '../../kernel/wire/openai.js';
import type { RequestContext } from '../context.js';
import { type CheckDeps, checkTexts } from './check-texts.js';
import { type TextSlot, textSlot, toolCallSlots } from './text-slots.js';

function answerSlots(completion: ChatCompletion): TextSlot[] {
  const slots: TextSlot[] = [];
  for (const choice of completion.choices) {
    const message = choice.message;
    // Everything the model wrote: content, its reasoning, a refusal, tool-call arguments.
    for (const field of ['content', 'reasoning_content', 'refusal'] as const) {
      const value = message[field];
      if (typeof value !== 'string') continue;
      slots.push(
        textSlot('assistant', value, (text) => {
          message[field] = text;
        }),
      );
    }
    toolCallSlots(message.tool_calls, 'assistant', slots);
  }
  return slots;
}

function isValidJson(validate: ValidateJsonOutput, completion: ChatCompletion, format: ResponseFormatSchema): boolean {
  // A tool call has no content to validate.
  return completion.choices.every((c) => c.message.content === null || validate(c.message.content, format).ok);
}

/**
 * A json_schema that does not compile is the client's mistake: GW_REQUEST_INVALID at once, never a
 * retry (which would bill a second call and end in GW_OUTPUT_INVALID all the same). Validating
 * `null` compiles the schema (cached), whatever the answer was.
 */
export function assertSchemaUsable(validate: ValidateJsonOutput, format: ResponseFormatSchema): void {
  if (format.kind !== 'schema') return;
  const probe = validate('null', format);
  if (probe.ok || probe.reason !== 'schema_invalid') return;
  throw new GatewayError('GW_REQUEST_INVALID', `Invalid request: response_format.json_schema.schema is not a valid JSON Schema (${probe.errors[0] ?? 'it does not compile'}). Fix the schema and try again.`, {
    param: 'response_format.json_schema',
  });
}

/**
 * The output stage of a non-stream answer. jsonOutput first: an answer that does not match the
 * request's JSON schema is asked for once more through `retry` (which bills that call), and fails
 * with GW_OUTPUT_INVALID when it still does not match. Then each guardrail's detectors and webhook
 * over the answer's text (block withholds the answer; the upstream call is billed anyway).
 */
export async function checkOutput(
  deps: CheckDeps & { readonly validateJson: ValidateJsonOutput },
  ctx: RequestContext,
  guardrails: readonly CompiledGuardrail[],
  request: ChatCompletionRequest,
  completion: ChatCompletion,
  retry: () => Promise<ChatCompletion>,
): Promise<ChatCompletion> {
  let answer = completion;
  const json = guardrails.find((g) => g.jsonOutput);
  // json_schema: against the schema; json_object: any JSON object; otherwise nothing to check.
  const format = json ? responseFormatSchema(request.response_format) : undefined;
  if (json?.action === 'block' && format) assertSchemaUsable(deps.validateJson, format);
  if (json && format && format.kind !== 'none' && !isValidJson(deps.validateJson, answer, format)) {
    // The first invalid answer is retried, not blocked: only a second one is a block (audit, metric).
    deps.recordHit(ctx, { guardrail: json.name, stage: 'output', rule: 'json_output', action: 'flag', count: 1 });
    if (json.action === 'block') {
      answer = await retry();
      if (!isValidJson(deps.validateJson, answer, format)) {
        deps.recordHit(ctx, { guardrail: json.name, stage: 'output', rule: 'json_output', action: 'block', count: 1 });
        throw new GatewayError('GW_OUTPUT_INVALID', `The model's answer did not match the requested JSON schema, also after one retry (guardrail "${json.name}"). Simplify the schema or use a stronger model.`);
      }
    }
  }
  const slots = answerSlots(answer);
  if (slots.length === 0) return answer;
  for (const g of guardrails) await checkTexts(deps, ctx, g, 'output', slots);
  return answer;
}
