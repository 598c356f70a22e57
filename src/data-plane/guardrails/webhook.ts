import type { GuardrailStage } from '../../guardrails/types.js';

/**
 * The external guardrail webhook contract (docs/guardrails.md#webhook). Gantry POSTs JSON and reads
 * one JSON answer; text it sends is after built-in redaction, so a webhook never sees what a
 * redacting guardrail removed.
 */
export interface WebhookRequest {
  readonly stage: GuardrailStage;
  readonly guardrail: string;
  readonly team: string;
  readonly model: string;
  readonly requestId: string;
  readonly messages: readonly { readonly role: string; readonly text: string }[];
}

export interface WebhookRedaction {
  readonly messageIndex: number;
  /** UTF-16 offsets into that message's `text`, end exclusive. */
  readonly start: number;
  readonly end: number;
}

export type WebhookVerdict =
  | { readonly action: 'allow' }
  | { readonly action: 'block'; readonly reason: string | undefined }
  | { readonly action: 'redact'; readonly redactions: readonly WebhookRedaction[] };

/** What the pipeline needs to call a webhook: a fetch (global or undici's) with an abort signal. */
export type WebhookFetch = (url: string, init: { method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

/** Thrown for anything but a well-formed answer in time; the guardrail's failMode decides. */
export class WebhookFailure extends Error {}

const MAX_REDACTIONS = 10_000;

/** Calls the webhook and returns its verdict; throws WebhookFailure on timeout, HTTP error or a malformed answer. */
export async function callWebhook(fetch: WebhookFetch, url: string, timeoutMs: number, body: WebhookRequest): Promise<WebhookVerdict> {
  let text: string;
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
    text = await res.text();
    if (!res.ok) throw new WebhookFailure(`HTTP ${res.status}`);
  } catch (err) {
    if (err instanceof WebhookFailure) throw err;
    throw new WebhookFailure((err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : 'unreachable');
  }
  return parseVerdict(text, body.messages);
}

export function parseVerdict(text: string, messages: WebhookRequest['messages']): WebhookVerdict {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new WebhookFailure('answer is not JSON');
  }
  const v = raw as { action?: unknown; reason?: unknown; redactions?: unknown };
  if (typeof raw !== 'object' || raw === null) throw new WebhookFailure('answer is not a JSON object');
  if (v.action === 'allow') return { action: 'allow' };
  if (v.action === 'block') return { action: 'block', reason: typeof v.reason === 'string' ? v.reason.slice(0, 200) : undefined };
  if (v.action !== 'redact') throw new WebhookFailure('action must be allow, block or redact');
  if (!Array.isArray(v.redactions) || v.redactions.length > MAX_REDACTIONS) throw new WebhookFailure('redact needs a redactions array');
  const redactions: WebhookRedaction[] = [];
  for (const r of v.redactions as { messageIndex?: unknown; start?: unknown; end?: unknown }[]) {
    const i = r?.messageIndex;
    const len = typeof i === 'number' ? messages[i]?.text.length : undefined;
    if (len === undefined || !Number.isInteger(r.start) || !Number.isInteger(r.end)) throw new WebhookFailure('a redaction needs messageIndex, start and end');
    const start = r.start as number;
    const end = r.end as number;
    if (start < 0 || end <= start || end > len) throw new WebhookFailure('a redaction is out of the message text');
    redactions.push({ messageIndex: i as number, start, end });
  }
  return { action: 'redact', redactions };
}
