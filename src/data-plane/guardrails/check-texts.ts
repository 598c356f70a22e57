import type { CompiledGuardrail } from '../../guardrails/compiled.js';
import { redact } from '../../guardrails/redact.js';
import { exceedsMaxInput, type Scanner } from '../../guardrails/scan.js';
import type { DetectorRule, Finding, GuardrailHit, GuardrailStage } from '../../guardrails/types.js';
import { GatewayError } from '../../kernel/errors/index.js';
import type { RequestContext } from '../context.js';
import type { RecordHit } from './evidence.js';
import type { TextSlot } from './text-slots.js';
import { callWebhook, type WebhookFetch, WebhookFailure, type WebhookVerdict } from './webhook.js';

export interface CheckDeps {
  readonly recordHit: RecordHit;
  /** The guardrail's detectors, built once per compiled guardrail. */
  readonly scannerFor: (g: CompiledGuardrail) => Scanner;
  readonly fetch: WebhookFetch | undefined;
  /** Logs a webhook failure that failed open (no prompt text, ever). */
  readonly onWebhookFailure: (ctx: RequestContext, guardrail: string, reason: string) => void;
}

/** The thrown error never carries the matched text: guardrail, stage, rule and count only. */
export function blocked(guardrail: string, stage: GuardrailStage, rule: DetectorRule, count: number): GatewayError {
  const what = stage === 'input' ? 'the input' : 'the answer';
  return new GatewayError('GW_GUARDRAIL_BLOCKED', `Guardrail "${guardrail}" blocked ${what}: ${rule} (${count}). Remove it and try again, or ask your platform team about this guardrail.`);
}

/** Per rule: how many findings and the highest score. */
function tally(findings: readonly Finding[], into: Map<DetectorRule, { count: number; score: number | undefined }>): void {
  for (const f of findings) {
    const t = into.get(f.rule);
    if (t) {
      t.count++;
      if (f.score !== undefined) t.score = Math.max(t.score ?? 0, f.score);
    } else into.set(f.rule, { count: 1, score: f.score });
  }
}

/**
 * Applies one guardrail to texts of a stage: `max_input` over their total size (input), the built-in
 * detectors per text, then the webhook with what is left. Block throws GW_GUARDRAIL_BLOCKED after
 * recording the hits; redact rewrites the texts through their slots; flag records only.
 */
export async function checkTexts(deps: CheckDeps, ctx: RequestContext, g: CompiledGuardrail, stage: GuardrailStage, slots: readonly TextSlot[]): Promise<void> {
  const hit = (rule: DetectorRule, count: number, score: number | undefined, action = g.action): GuardrailHit =>
    score === undefined ? { guardrail: g.name, stage, rule, action, count } : { guardrail: g.name, stage, rule, action, count, score };

  if (stage === 'input' && g.maxInputBytes !== undefined && exceedsMaxInput(slots.map((s) => s.text), g.maxInputBytes)) {
    // Redact cannot shorten an input: validation allows only block or flag with maxInputBytes.
    deps.recordHit(ctx, hit('max_input', 1, undefined));
    if (g.action === 'block') throw blocked(g.name, stage, 'max_input', 1);
  }

  if (g.rules.size > 0 || g.keywords.length > 0) {
    const found = new Map<DetectorRule, { count: number; score: number | undefined }>();
    const scan = deps.scannerFor(g);
    for (const slot of slots) {
      const findings = scan(slot.text);
      if (findings.length === 0) continue;
      tally(findings, found);
      if (g.action === 'redact') slot.write(redact(slot.text, findings));
    }
    for (const [rule, t] of found) deps.recordHit(ctx, hit(rule, t.count, t.score));
    const [first] = found;
    if (first && g.action === 'block') throw blocked(g.name, stage, first[0], first[1].count);
  }

  if (g.webhook && deps.fetch) await checkWebhook(deps, ctx, g, stage, slots, hit);
}

async function checkWebhook(
  deps: CheckDeps,
  ctx: RequestContext,
  g: CompiledGuardrail,
  stage: GuardrailStage,
  slots: readonly TextSlot[],
  hit: (rule: DetectorRule, count: number, score: number | undefined, action?: GuardrailHit['action']) => GuardrailHit,
): Promise<void> {
  const webhook = g.webhook as NonNullable<CompiledGuardrail['webhook']>;
  let verdict: WebhookVerdict;
  try {
    verdict = await callWebhook(deps.fetch as WebhookFetch, webhook.url, webhook.timeoutMs, {
      stage,
      guardrail: g.name,
      team: ctx.principal?.team ?? 'unknown',
      model: ctx.model?.name ?? 'unknown',
      requestId: ctx.requestId,
      messages: slots.map((s) => ({ role: s.role, text: s.text })),
    });
  } catch (err) {
    const reason = err instanceof WebhookFailure ? err.message : 'failed';
    if (webhook.failOpen) {
      deps.onWebhookFailure(ctx, g.name, reason);
      return;
    }
    deps.recordHit(ctx, hit('webhook', 1, undefined, 'block'));
    throw blocked(g.name, stage, 'webhook', 1);
  }
  if (verdict.action === 'allow') return;
  if (verdict.action === 'block') {
    deps.recordHit(ctx, hit('webhook', 1, undefined, 'block'));
    throw blocked(g.name, stage, 'webhook', 1);
  }
  const byMessage = new Map<number, Finding[]>();
  for (const r of verdict.redactions) {
    const list = byMessage.get(r.messageIndex) ?? [];
    list.push({ rule: 'webhook', start: r.start, end: r.end });
    byMessage.set(r.messageIndex, list);
  }
  for (const [i, findings] of byMessage) {
    const slot = slots[i] as TextSlot;
    slot.write(redact(slot.text, findings));
  }
  if (verdict.redactions.length > 0) deps.recordHit(ctx, hit('webhook', verdict.redactions.length, undefined, 'redact'));
}
