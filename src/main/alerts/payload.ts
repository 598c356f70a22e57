import { createHmac } from 'node:crypto';
import { isoTime } from '../../kernel/clock.js';
import { formatMicrosAsUsd } from '../../kernel/money.js';
import type { AlertMessage } from '../../telemetry/channels.js';

/**
 * The webhook body of an alert, in Gantry's own JSON (`gantry`) or as a Slack incoming-webhook
 * message (`slack`: `{text, blocks}`). Money is given twice: integer micro-USD and an exact decimal
 * USD string. docs/alerts.md shows both with examples.
 */
export interface GantryAlertPayload {
  readonly id: string;
  readonly type: AlertMessage['type'];
  /** RFC 3339 (UTC). */
  readonly at: string;
  readonly subject: string;
  readonly window: string;
  readonly thresholdPercent?: number;
  readonly enforcement?: 'hard' | 'soft';
  readonly spentMicros: number;
  readonly spentUsd: string;
  readonly referenceMicros: number;
  readonly referenceUsd: string;
  readonly summary: string;
}

export function gantryPayload(m: AlertMessage): GantryAlertPayload {
  return {
    id: m.id,
    type: m.type,
    at: isoTime(m.at),
    subject: m.subject,
    window: m.window,
    ...(m.thresholdPercent === undefined ? {} : { thresholdPercent: m.thresholdPercent }),
    ...(m.enforcement === undefined ? {} : { enforcement: m.enforcement }),
    spentMicros: m.spentMicros,
    spentUsd: formatMicrosAsUsd(m.spentMicros),
    referenceMicros: m.referenceMicros,
    referenceUsd: formatMicrosAsUsd(m.referenceMicros),
    summary: m.summary,
  };
}

/** Slack mrkdwn control characters (https://api.slack.com/reference/surfaces/formatting#escaping). */
function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `$12.34`: two decimals for people (the exact amount is in the gantry format and the ledger). */
export function dollars(micros: number): string {
  const cents = Math.round(micros / 10_000);
  return `$${formatMicrosAsUsd(cents * 10_000).replace(/(\.\d\d)\d{4}$/, '$1')}`;
}

function headline(m: AlertMessage): string {
  if (m.type === 'budget_threshold') return `Budget ${m.subject}: ${m.thresholdPercent ?? '?'}% reached`;
  if (m.type === 'agent_drift') return `Agent drift: ${m.subject}`;
  return `Spend anomaly: ${m.subject}`;
}

function facts(m: AlertMessage): string {
  // Drift is about behaviour, not money: no amounts.
  if (m.type === 'agent_drift') return `day ${m.window} (UTC) · alert ${m.id}`;
  const reference = m.type === 'budget_threshold' ? `limit ${dollars(m.referenceMicros)}` : `7-day daily average ${dollars(m.referenceMicros)}`;
  const enforcement = m.enforcement ? ` · ${m.enforcement} budget` : '';
  return `spent ${dollars(m.spentMicros)} · ${reference} · window ${m.window}${enforcement} · alert ${m.id}`;
}

export interface SlackPayload {
  readonly text: string;
  readonly blocks: readonly object[];
}

export function slackPayload(m: AlertMessage): SlackPayload {
  return {
    text: m.summary,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: headline(m).slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: escapeSlack(m.summary) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: escapeSlack(facts(m)) }] },
    ],
  };
}

export function renderPayload(m: AlertMessage, format: 'gantry' | 'slack'): string {
  return JSON.stringify(format === 'slack' ? slackPayload(m) : gantryPayload(m));
}

/**
 * `x-gantry-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. The timestamp is
 * signed too, so a receiver can refuse replays older than a few minutes.
 */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}
