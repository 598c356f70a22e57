import type { CompiledGuardrail } from '../../guardrails/compiled.js';
import { createStreamRedactor, DEFAULT_HOLD_BACK } from '../../guardrails/redact.js';
import type { Scanner } from '../../guardrails/scan.js';
import type { DetectorRule, Finding } from '../../guardrails/types.js';
import { type ChatCompletionChunk, type ChatCompletionChunkChoice, type ChatToolCallDelta, RAW_JSON } from '../../kernel/wire/openai.js';
import type { RequestContext } from '../context.js';
import { blocked } from './check-texts.js';
import type { RecordHit } from './evidence.js';

/** Characters held back per guardrail (the bound is documented with the stream redactor). */
const STREAM_HOLD_BACK_CHARS = DEFAULT_HOLD_BACK;
/** Flag guardrails scan the delivered text once at the end; beyond this they read the first part only. */
const MAX_FLAG_SCAN = 1_000_000;

export interface StreamGuard {
  /** Rewrites the text deltas (content, reasoning, refusal, tool arguments) of the chunk in place; false when nothing is left to emit. Throws on a block. */
  chunk(chunk: ChatCompletionChunk): boolean;
  /** Text still held back (a stream that ended without finish_reason), as a chunk to emit, or undefined. */
  end(last: ChatCompletionChunk | undefined, fallbackId: string, created: number, model: string): ChatCompletionChunk | undefined;
}

interface Step {
  push(text: string): string;
  end(): string;
}

/** The model-written texts of a stream delta, each scanned over its own rolling window. */
type Kind = 'reasoning_content' | 'content' | 'refusal' | 'tool';
const TEXT_KINDS = ['reasoning_content', 'content', 'refusal'] as const;

/** One text of a choice (a tool call's arguments per tool index): its own steps, so windows never mix. */
interface Channel {
  readonly kind: Kind;
  readonly tool: number;
  readonly steps: Step[];
  readonly raw: string[];
}

interface ChoiceState {
  readonly channels: Map<string, Channel>;
  /** The channel written last: another one starting ends it first, so its tail keeps its place. */
  current: string | undefined;
  /** Per redacting guardrail: what its redactors replaced (never markers already in the text). */
  readonly redactions: Map<CompiledGuardrail, Map<DetectorRule, number>>;
  /** Raw text of ended channels, for flag guardrails. */
  readonly flagTexts: string[];
}

/** Text to put back into the delta: a kind's text, or a tool call's arguments (`entry` when the chunk had one). */
interface Part {
  readonly kind: Kind;
  readonly tool: number;
  readonly text: string;
  readonly entry?: ChatToolCallDelta;
}

/**
 * The output stage of a stream: per choice and per text (content, reasoning_content, refusal, each
 * tool call's arguments), block guardrails first, then redacting ones, each over a rolling window
 * (P3's stream redactor), so no part of a value split across chunks leaves before it is checked. A
 * held-back tail leaves as a delta of its own kind when another text of the choice starts (tool
 * calls and reasoning stay in order for protocols with sequential blocks), at finish_reason or at
 * the end. A block ends the stream (the caller reports GW_GUARDRAIL_BLOCKED in-band) before the
 * offending text is emitted. Flag guardrails read the delivered texts at the end. Webhooks and
 * jsonOutput do not run on streams (see the pipeline's chatStream).
 */
export function createStreamGuard(ctx: RequestContext, guardrails: readonly CompiledGuardrail[], recordHit: RecordHit, scannerFor: (g: CompiledGuardrail) => Scanner): StreamGuard | undefined {
  const active = guardrails.filter((g) => g.rules.size > 0 || g.keywords.length > 0);
  if (active.length === 0) return undefined;
  const blocking = active.filter((g) => g.action === 'block');
  const redacting = active.filter((g) => g.action === 'redact');
  const flagging = active.filter((g) => g.action === 'flag');
  const choices = new Map<number, ChoiceState>();

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

  function redactStep(g: CompiledGuardrail, counts: Map<DetectorRule, number>): Step {
    const redactor = createStreamRedactor(scannerFor(g), STREAM_HOLD_BACK_CHARS, (findings) => {
      for (const f of findings) counts.set(f.rule, (counts.get(f.rule) ?? 0) + 1);
    });
    return { push: (t) => redactor.push(t), end: () => redactor.end() };
  }

  function stateOf(index: number): ChoiceState {
    let s = choices.get(index);
    if (!s) {
      s = { channels: new Map(), current: undefined, redactions: new Map(redacting.map((g) => [g, new Map()])), flagTexts: [] };
      choices.set(index, s);
    }
    return s;
  }

  function channelOf(s: ChoiceState, key: string, kind: Kind, tool: number): Channel {
    let c = s.channels.get(key);
    if (!c) {
      c = { kind, tool, steps: [...blocking.map(blockStep), ...redacting.map((g) => redactStep(g, s.redactions.get(g) as Map<DetectorRule, number>))], raw: [] };
      s.channels.set(key, c);
    }
    return c;
  }

  /** Releases everything the channel holds; a later text of the same kind starts a fresh channel. */
  function endChannel(s: ChoiceState, key: string): Part {
    const c = s.channels.get(key) as Channel;
    s.channels.delete(key);
    if (s.current === key) s.current = undefined;
    let out = '';
    for (const step of c.steps) out = step.push(out) + step.end();
    if (flagging.length > 0) s.flagTexts.push(c.raw.join(''));
    return { kind: c.kind, tool: c.tool, text: out };
  }

  function feed(s: ChoiceState, parts: Part[], kind: Kind, tool: number, text: string, entry?: ChatToolCallDelta): void {
    const key = `${kind}:${tool}`;
    if (s.current !== undefined && s.current !== key) parts.push(endChannel(s, s.current));
    s.current = key;
    const c = channelOf(s, key, kind, tool);
    if (flagging.length > 0) c.raw.push(text);
    let out = text;
    for (const step of c.steps) out = step.push(out);
    parts.push(entry ? { kind, tool, text: out, entry } : { kind, tool, text: out });
  }

  /** At finish_reason and at the end: flushes the choice's texts and records what is new since last time. */
  function finishChoice(index: number, parts: Part[]): void {
    const s = stateOf(index);
    for (const key of [...s.channels.keys()]) parts.push(endChannel(s, key));
    record(s);
  }

  /** Evidence per choice: redactions as the redactors counted them, flags from one scan per text. */
  function record(s: ChoiceState): void {
    for (const [g, counts] of s.redactions) {
      for (const [rule, count] of counts) recordHit(ctx, { guardrail: g.name, stage: 'output', rule, action: 'redact', count });
      counts.clear();
    }
    for (const g of flagging) {
      const tally = new Map<DetectorRule, number>();
      for (const text of s.flagTexts) for (const f of scannerFor(g)(text.slice(0, MAX_FLAG_SCAN))) tally.set(f.rule, (tally.get(f.rule) ?? 0) + 1);
      for (const [rule, count] of tally) recordHit(ctx, { guardrail: g.name, stage: 'output', rule, action: 'flag', count });
    }
    s.flagTexts.length = 0;
  }

  /** Writes the parts back into the delta; true when it still carries something to emit. */
  function write(delta: ChatCompletionChunkChoice['delta'], parts: readonly Part[]): boolean {
    let carries = false;
    for (const kind of TEXT_KINDS) {
      const mine = parts.filter((p) => p.kind === kind);
      if (mine.length === 0) continue;
      const text = mine.map((p) => p.text).join('');
      delta[kind] = text;
      if (text) carries = true;
    }
    const calls: ChatToolCallDelta[] = [];
    for (const p of parts) {
      if (p.kind !== 'tool') continue;
      if (p.entry) {
        if (p.text || typeof p.entry.function?.arguments === 'string') p.entry.function = { ...p.entry.function, arguments: p.text };
        // A pure arguments delta whose text is all held back carries nothing.
        if (p.text || p.entry.id !== undefined || p.entry.type !== undefined || p.entry.function?.name !== undefined) calls.push(p.entry);
      } else if (p.text) calls.push({ index: p.tool, function: { arguments: p.text } });
    }
    if (calls.length > 0) delta.tool_calls = calls;
    else if (parts.some((p) => p.kind === 'tool')) delete delta.tool_calls;
    return carries || calls.length > 0;
  }

  return {
    chunk(chunk) {
      let emit = chunk.choices.length === 0;
      for (const choice of chunk.choices) {
        const d = choice.delta;
        const s = stateOf(choice.index);
        const parts: Part[] = [];
        for (const kind of TEXT_KINDS) {
          const text = d[kind];
          if (typeof text === 'string' && text.length > 0) feed(s, parts, kind, 0, text);
        }
        if (Array.isArray(d.tool_calls)) {
          for (const call of d.tool_calls) {
            const args = call.function?.arguments;
            feed(s, parts, 'tool', typeof call.index === 'number' ? call.index : 0, typeof args === 'string' ? args : '', call);
          }
        }
        if (choice.finish_reason) finishChoice(choice.index, parts);
        if (parts.length === 0) {
          if (choice.finish_reason || Object.values(d).some((v) => v !== undefined && v !== null)) emit = true;
          continue;
        }
        delete chunk[RAW_JSON]; // the chunk changed: the renderer must serialise it again
        const carries = write(d, parts);
        const other = Object.entries(d).some(([k, v]) => v !== undefined && v !== null && k !== 'tool_calls' && !(TEXT_KINDS as readonly string[]).includes(k));
        if (carries || other || choice.finish_reason) emit = true;
      }
      return emit;
    },
    end(last, fallbackId, created, model) {
      const pending: ChatCompletionChunkChoice[] = [];
      for (const index of choices.keys()) {
        const parts: Part[] = [];
        finishChoice(index, parts);
        const delta: ChatCompletionChunkChoice['delta'] = {};
        if (write(delta, parts)) pending.push({ index, delta, finish_reason: null });
      }
      if (pending.length === 0) return undefined;
      return { id: last?.id ?? fallbackId, object: 'chat.completion.chunk', created: last?.created ?? created, model: last?.model ?? model, choices: pending };
    },
  };
}
