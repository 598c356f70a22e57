import type { CompiledGuardrail } from '../../guardrails/compiled.js';
import { createStreamRedactor, DEFAULT_HOLD_BACK } from '../../guardrails/redact.js';
import type { Scanner } from '../../guardrails/scan.js';
import type { DetectorRule, Finding } from '../../guardrails/types.js';
import { RAW_JSON, type ChatCompletionChunk } from '../../kernel/wire/openai.js';
import type { RequestContext } from '../context.js';
import { blocked } from './check-texts.js';
import type { RecordHit } from './evidence.js';

/** Characters held back per guardrail (the bound is documented with the stream redactor). */
const STREAM_HOLD_BACK_CHARS = DEFAULT_HOLD_BACK;
/** Flag guardrails scan the delivered text once at the end; beyond this they read the first part only. */
const MAX_FLAG_SCAN = 1_000_000;

export interface StreamGuard {
  /** Rewrites the content deltas of the chunk in place; false when nothing is left to emit. Throws on a block. */
  chunk(chunk: ChatCompletionChunk): boolean;
  /** Text still held back (a stream that ended without finish_reason), as a chunk to emit, or undefined. */
  end(last: ChatCompletionChunk | undefined, fallbackId: string, created: number, model: string): ChatCompletionChunk | undefined;
}

interface Step {
  push(text: string): string;
  end(): string;
}

const MARKER = /\[REDACTED:([a-z_.]+)\]/g;

/**
 * The output stage of a stream: per choice, block guardrails first, then redacting ones, each over a
 * rolling window (P3's stream redactor), so no part of a value split across chunks leaves before it
 * is checked. A block ends the stream (the caller reports GW_GUARDRAIL_BLOCKED in-band) before the
 * offending text is emitted. Flag guardrails read the delivered text at the end. Tool-call
 * arguments are not scanned on streams.
 */
export function createStreamGuard(ctx: RequestContext, guardrails: readonly CompiledGuardrail[], recordHit: RecordHit, scannerFor: (g: CompiledGuardrail) => Scanner): StreamGuard | undefined {
  const active = guardrails.filter((g) => g.rules.size > 0 || g.keywords.length > 0);
  if (active.length === 0) return undefined;
  const blocking = active.filter((g) => g.action === 'block');
  const redacting = active.filter((g) => g.action === 'redact');
  const flagging = active.filter((g) => g.action === 'flag');
  const choices = new Map<number, { steps: Step[]; emitted: string[]; raw: string[]; done: boolean }>();

  function blockStep(g: CompiledGuardrail): Step {
    let tripped: Finding | undefined;
    const scan = scannerFor(g);
    const redactor = createStreamRedactor((text: string) => {
      const found = scan(text);
      if (found.length > 0 && !tripped) tripped = found[0];
      return found;
    }, STREAM_HOLD_BACK_CHARS);
    const check = (out: string) => {
      if (!tripped) return out;
      recordHit(ctx, { guardrail: g.name, stage: 'output', rule: tripped.rule, action: 'block', count: 1 });
      throw blocked(g.name, 'output', tripped.rule, 1);
    };
    return { push: (t) => check(redactor.push(t)), end: () => check(redactor.end()) };
  }

  function redactStep(g: CompiledGuardrail): Step {
    const redactor = createStreamRedactor(scannerFor(g), STREAM_HOLD_BACK_CHARS);
    return { push: (t) => redactor.push(t), end: () => redactor.end() };
  }

  function stateOf(index: number) {
    let s = choices.get(index);
    if (!s) {
      s = { steps: [...blocking.map(blockStep), ...redacting.map(redactStep)], emitted: [], raw: [], done: false };
      choices.set(index, s);
    }
    return s;
  }

  function push(index: number, text: string): string {
    const s = stateOf(index);
    if (flagging.length > 0) s.raw.push(text);
    let out = text;
    for (const step of s.steps) out = step.push(out);
    if (out) s.emitted.push(out);
    return out;
  }

  function finishChoice(index: number): string {
    const s = stateOf(index);
    if (s.done) return '';
    s.done = true;
    let out = '';
    for (const step of s.steps) out = step.push(out) + step.end();
    if (out) s.emitted.push(out);
    record(s.emitted.join(''), s.raw.join(''));
    return out;
  }

  /** Evidence once per choice: redactions counted from the markers emitted, flags from one scan. */
  function record(emitted: string, raw: string): void {
    if (redacting.length > 0) {
      const counts = new Map<string, number>();
      for (const m of emitted.matchAll(MARKER)) counts.set(m[1] as string, (counts.get(m[1] as string) ?? 0) + 1);
      for (const g of redacting) {
        for (const [rule, count] of counts) {
          if (g.rules.has(rule as DetectorRule) || (rule === 'keyword' && g.keywords.length > 0)) {
            recordHit(ctx, { guardrail: g.name, stage: 'output', rule: rule as DetectorRule, action: 'redact', count });
            counts.delete(rule);
          }
        }
      }
    }
    for (const g of flagging) {
      const tally = new Map<DetectorRule, number>();
      for (const f of scannerFor(g)(raw.slice(0, MAX_FLAG_SCAN))) tally.set(f.rule, (tally.get(f.rule) ?? 0) + 1);
      for (const [rule, count] of tally) recordHit(ctx, { guardrail: g.name, stage: 'output', rule, action: 'flag', count });
    }
  }

  return {
    chunk(chunk) {
      let emit = chunk.choices.length === 0;
      for (const choice of chunk.choices) {
        const content = choice.delta.content;
        let out = typeof content === 'string' && content.length > 0 ? push(choice.index, content) : undefined;
        if (choice.finish_reason) out = (out ?? '') + finishChoice(choice.index);
        if (out !== undefined) {
          delete chunk[RAW_JSON]; // the chunk changed: the renderer must serialise it again
          choice.delta.content = out;
        }
        const d = choice.delta;
        if (out || choice.finish_reason || d.role || d.tool_calls || d.refusal || (out === undefined && content !== undefined)) emit = true;
      }
      return emit;
    },
    end(last, fallbackId, created, model) {
      const pending: { index: number; delta: { content: string }; finish_reason: null }[] = [];
      for (const index of choices.keys()) {
        const rest = finishChoice(index);
        if (rest) pending.push({ index, delta: { content: rest }, finish_reason: null });
      }
      if (pending.length === 0) return undefined;
      return { id: last?.id ?? fallbackId, object: 'chat.completion.chunk', created: last?.created ?? created, model: last?.model ?? model, choices: pending };
    },
  };
}
