import { isoTime } from '../../kernel/clock.js';
import { formatMicrosAsUsd } from '../../kernel/money.js';
import { HOUR_MS, type UsageExportRow } from '../../storage/ports/ledger-store.js';

/**
 * FOCUS 1.2 (FinOps Open Cost and Usage Specification) rows from the ledger: one row per UTC hour ×
 * team × user × API key × agent × workflow × run × repo × model × provider × price version, with
 * the tokens of that group as the consumed quantity (docs/usage.md says why not one row per meter).
 * Costs are exact decimal USD strings with six decimals; BilledCost sums to the ledger's cost.
 */
export const FOCUS_COLUMNS = [
  'BilledCost',
  'EffectiveCost',
  'ListCost',
  'ContractedCost',
  'ListUnitPrice',
  'ContractedUnitPrice',
  'PricingQuantity',
  'PricingUnit',
  'PricingCategory',
  'ConsumedQuantity',
  'ConsumedUnit',
  'ChargeCategory',
  'ChargeClass',
  'ChargeDescription',
  'ChargeFrequency',
  'ChargePeriodStart',
  'ChargePeriodEnd',
  'BillingPeriodStart',
  'BillingPeriodEnd',
  'BillingCurrency',
  'BillingAccountId',
  'BillingAccountName',
  'SubAccountId',
  'SubAccountName',
  'ServiceCategory',
  'ServiceSubcategory',
  'ServiceName',
  'ProviderName',
  'PublisherName',
  'InvoiceIssuerName',
  'SkuId',
  'SkuMeter',
  'SkuPriceId',
  'RegionId',
  'RegionName',
  'ResourceId',
  'ResourceName',
  'ResourceType',
  'Tags',
  'x_Team',
  'x_User',
  'x_ApiKey',
  'x_Agent',
  'x_Workflow',
  'x_Run',
  'x_Repo',
  'x_Model',
  'x_PriceVersion',
  'x_Requests',
  'x_Errors',
  'x_InputTokens',
  'x_CachedInputTokens',
  'x_CacheWriteInputTokens',
  'x_OutputTokens',
  'x_SavingsCost',
] as const;

export type FocusColumn = (typeof FOCUS_COLUMNS)[number];

/** Columns holding numbers: written as they are. Every other cell is text and guarded (see csvText). */
const NUMERIC = new Set<FocusColumn>([
  'BilledCost',
  'EffectiveCost',
  'ListCost',
  'ContractedCost',
  'ListUnitPrice',
  'ContractedUnitPrice',
  'PricingQuantity',
  'ConsumedQuantity',
  'x_Requests',
  'x_Errors',
  'x_InputTokens',
  'x_CachedInputTokens',
  'x_CacheWriteInputTokens',
  'x_OutputTokens',
  'x_SavingsCost',
]);

/** n / 10^6 as an exact decimal string (tokens → millions of tokens). */
function millions(n: number): string {
  const whole = Math.floor(n / 1_000_000);
  const frac = String(n % 1_000_000).padStart(6, '0').replace(/0+$/, '');
  return frac === '' ? String(whole) : `${whole}.${frac}`;
}

/** USD per 1M tokens of a group (cost micros / tokens), rounded half up to six decimals. */
function blendedUnitPrice(costMicros: number, tokens: number): string {
  if (tokens <= 0) return '';
  const t = BigInt(tokens);
  return formatMicrosAsUsd(Number((BigInt(costMicros) * 2_000_000n + t) / (2n * t)));
}

function monthBounds(ms: number): [number, number] {
  const d = new Date(ms);
  return [Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)];
}

/** One export row as FOCUS cells (keyed by column). */
export function focusRecord(r: UsageExportRow): Record<FocusColumn, string> {
  const cost = formatMicrosAsUsd(r.costMicros);
  const tokens = r.inputTokens + r.outputTokens;
  const [billingStart, billingEnd] = monthBounds(r.hour);
  const provider = r.provider ?? 'none';
  const tags: Record<string, string> = { 'gantry/team': r.team };
  for (const [k, v] of [
    ['gantry/user', r.user],
    ['gantry/agent', r.agent],
    ['gantry/workflow', r.workflow],
    ['gantry/run', r.run],
    ['gantry/repo', r.repo],
  ] as const) {
    if (v !== null) tags[k] = v;
  }
  return {
    BilledCost: cost,
    EffectiveCost: cost,
    ListCost: cost,
    ContractedCost: cost,
    ListUnitPrice: blendedUnitPrice(r.costMicros, tokens),
    ContractedUnitPrice: blendedUnitPrice(r.costMicros, tokens),
    PricingQuantity: millions(tokens),
    PricingUnit: '1M Tokens',
    PricingCategory: 'Standard',
    ConsumedQuantity: String(tokens),
    ConsumedUnit: 'Tokens',
    ChargeCategory: 'Usage',
    ChargeClass: '',
    ChargeDescription: `${r.model} on ${provider}: ${r.requests} requests, ${r.inputTokens} input and ${r.outputTokens} output tokens`,
    ChargeFrequency: 'Usage-Based',
    ChargePeriodStart: isoTime(r.hour),
    ChargePeriodEnd: isoTime(r.hour + HOUR_MS),
    BillingPeriodStart: isoTime(billingStart),
    BillingPeriodEnd: isoTime(billingEnd),
    BillingCurrency: 'USD',
    BillingAccountId: 'gantry',
    BillingAccountName: 'Gantry',
    SubAccountId: r.team,
    SubAccountName: r.team,
    ServiceCategory: 'AI and Machine Learning',
    ServiceSubcategory: 'Generative AI',
    ServiceName: provider,
    ProviderName: provider,
    PublisherName: provider,
    InvoiceIssuerName: provider,
    SkuId: `${provider}/${r.model}`,
    SkuMeter: 'Tokens',
    SkuPriceId: `${r.priceVersion}/${provider}/${r.model}`,
    RegionId: '',
    RegionName: '',
    ResourceId: `${provider}/${r.model}`,
    ResourceName: r.model,
    ResourceType: 'Model',
    Tags: JSON.stringify(tags),
    x_Team: r.team,
    x_User: r.user ?? '',
    x_ApiKey: r.keyId,
    x_Agent: r.agent ?? '',
    x_Workflow: r.workflow ?? '',
    x_Run: r.run ?? '',
    x_Repo: r.repo ?? '',
    x_Model: r.model,
    x_PriceVersion: r.priceVersion,
    x_Requests: String(r.requests),
    x_Errors: String(r.errors),
    x_InputTokens: String(r.inputTokens),
    x_CachedInputTokens: String(r.cachedInputTokens),
    x_CacheWriteInputTokens: String(r.cacheWriteInputTokens),
    x_OutputTokens: String(r.outputTokens),
    x_SavingsCost: formatMicrosAsUsd(r.savingsMicros),
  };
}

/**
 * A text cell: quoted when it holds a comma, quote or line break (RFC 4180); a leading = + - @ or
 * tab/CR (a spreadsheet formula) is prefixed with ' so a client-chosen run or workflow name opened in
 * a spreadsheet stays text.
 */
export function csvText(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function csvLine(record: Record<FocusColumn, string>): string {
  return FOCUS_COLUMNS.map((c) => (NUMERIC.has(c) ? record[c] : csvText(record[c]))).join(',');
}

export const FOCUS_HEADER = FOCUS_COLUMNS.join(',');

/** The CSV text, header first, in chunks of up to `linesPerChunk` lines (CRLF line ends, RFC 4180). */
export async function* renderFocusCsv(rows: AsyncIterable<UsageExportRow>, linesPerChunk = 500): AsyncGenerator<string> {
  let lines: string[] = [FOCUS_HEADER];
  for await (const row of rows) {
    lines.push(csvLine(focusRecord(row)));
    if (lines.length >= linesPerChunk) {
      yield `${lines.join('\r\n')}\r\n`;
      lines = [];
    }
  }
  if (lines.length > 0) yield `${lines.join('\r\n')}\r\n`;
}
